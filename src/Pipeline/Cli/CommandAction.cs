using System.CommandLine;
using OfflineSafety.Errors;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// Runs a command body and turns failures into the project's error contract:
/// one line on stderr naming what failed and why, and a non-zero exit code.
/// </summary>
public static class CommandAction
{
    public const int Failure = 1;
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
            catch (Exception ex) when (IsUserFacing(ex))
            {
                Console.Error.WriteLine($"offsafe: {OneLine(ex.Message)}");
                return Failure;
            }
        });
    }

    public static void Set(Command command, Func<ParseResult, CancellationToken, int> body) =>
        Set(command, (p, ct) => Task.FromResult(body(p, ct)));

    // Programming errors (null references, index bugs) keep their stack trace; everything a user
    // can cause by their input or environment becomes a single line.
    private static bool IsUserFacing(Exception ex) => ex is UserError or IOException or UnauthorizedAccessException
        or FormatException or InvalidDataException or NotSupportedException or ArgumentException
        or InvalidOperationException or System.Text.Json.JsonException or KeyNotFoundException
        or OfflineSafety.Errors.UserError;

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
