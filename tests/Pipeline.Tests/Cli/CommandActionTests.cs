using System.Runtime.CompilerServices;
using OfflineSafety.Errors;
using OfflineSafety.Parquet;
using OfflineSafety.Pipeline.Cli;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>The CLI's error contract: user errors are one line and exit 1; anything else is a bug, printed whole, exit 70.</summary>
public class CommandActionTests
{
    public static TheoryData<Exception> UserErrors() =>
    [
        new BadInputException("filter 'x': expected COLUMN=VALUE\nwith COLUMN one of source"),
        new NotFoundException("unknown environment 'nav'"),
        new ConflictException("dataset 'ds' exists"),
        new IOException("disk full"),
        new InvalidDataException("card.json: damaged"),
        new UnauthorizedAccessException("store: permission denied"),
        new ParquetFormatException("bad magic", "x.parquet"),
        new ParquetNotSupportedException("x.parquet: column o uses compression codec ZSTD"),
    ];

    [Theory]
    [MemberData(nameof(UserErrors))]
    public void A_user_error_is_one_line_and_exit_1(Exception error)
    {
        var stderr = new StringWriter();

        int code = CommandAction.Report(Thrown(error), stderr);

        Assert.Equal(CommandAction.Failure, code);
        Assert.Equal(1, code);
        Assert.Equal($"offsafe: {error.Message.ReplaceLineEndings(" ").Trim()}{Environment.NewLine}", stderr.ToString());
    }

    public static TheoryData<Exception> Bugs() =>
    [
        new InvalidOperationException("Sequence contains no elements"),
        new ArgumentException("column a has 3 values, expected 2"),
        new KeyNotFoundException("The given key was not present"),
        new FormatException("Input string was not in a correct format"),
        new NotSupportedException("Specified method is not supported"),
        new NullReferenceException(),
        new IndexOutOfRangeException(),
    ];

    [Theory]
    [MemberData(nameof(Bugs))]
    public void A_bug_keeps_its_type_and_stack_trace_and_exits_70(Exception bug)
    {
        var stderr = new StringWriter();

        int code = CommandAction.Report(Thrown(bug), stderr);

        Assert.Equal(CommandAction.InternalError, code);
        Assert.Equal(70, code);
        string text = stderr.ToString();
        Assert.StartsWith("offsafe: internal error", text);
        Assert.Contains(bug.GetType().FullName!, text);
        Assert.Contains(bug.Message, text);
        Assert.Contains(nameof(Thrown), text);
    }

    // Throws and catches, so the exception carries a stack trace as one escaping a command does.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Exception Thrown(Exception ex)
    {
        try
        {
            throw ex;
        }
        catch (Exception caught)
        {
            return caught;
        }
    }
}
