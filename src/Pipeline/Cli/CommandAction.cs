using System.CommandLine;
using System.Text.Json;
using OfflineSafety.Errors;
using OfflineSafety.Parquet;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// Runs a command body and turns failures into the project's error contract: a user error is one
/// line on stderr naming what failed and why, exit 1; anything else is a bug and is printed whole,
/// stack trace included, with exit 70 (EX_SOFTWARE).
/// </summary>
public static class CommandAction
{
    public const int Failure = 1;
    public const int InternalError = 70;
    public const int Cancelled = 130;

    public static void Set(Command command, Func<ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parseResult, ct) =>
        {
            try
            {
                return await body(parseResult, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                Console.Error.WriteLine("offsafe: cancelled");
                return Cancelled;
            }
            catch (Exception ex)
            {
                return Report(ex, Console.Error);
            }
        });
    }

    public static void Set(Command command, Func<ParseResult, CancellationToken, int> body) =>
        Set(command, (p, ct) => Task.FromResult(body(p, ct)));

    /// <summary>Writes <paramref name="ex"/> as the CLI reports it and returns the exit code.</summary>
    internal static int Report(Exception ex, TextWriter stderr)
    {
        if (IsUserFacing(ex))
        {
            stderr.WriteLine($"offsafe: {OneLine(ex.Message)}");
            return Failure;
        }
        stderr.WriteLine($"offsafe: internal error (a bug; please report it with this trace): {ex}");
        return InternalError;
    }

    // Only precise types are a user's doing: the project's user errors, the environment's I/O and
    // permission errors (damaged data files and Parquet format errors are IOExceptions), damaged
    // cards and logs, JSON that does not parse (documents users and stores supply), and Parquet
    // features this reader lacks. Broad framework types (ArgumentException, InvalidOperationException,
    // KeyNotFoundException, FormatException, NotSupportedException) are bugs and keep their trace.
    internal static bool IsUserFacing(Exception ex) => ex is UserError or IOException or UnauthorizedAccessException
        or InvalidDataException or JsonException or ParquetNotSupportedException;

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
