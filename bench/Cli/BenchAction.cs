using System.CommandLine;

namespace OfflineSafety.Bench.Cli;

/// <summary>
/// A benchmark's body with the project's error contract: a failure the user caused (bad option,
/// missing anchor, unreadable file) is one line on stderr and exit code 1; Ctrl+C exits 130.
/// </summary>
public static class BenchAction
{
    public static void Set(Command command, Func<ParseResult, CancellationToken, int> body) =>
        Set(command, (parseResult, ct) => Task.FromResult(body(parseResult, ct)));

    public static void Set(Command command, Func<ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parseResult, ct) =>
        {
            try { return await body(parseResult, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return Fail("cancelled", 130); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidDataException
                or NotSupportedException or ArgumentException or InvalidOperationException or System.Text.Json.JsonException
                or KeyNotFoundException)
            {
                return Fail(ex.Message.ReplaceLineEndings(" ").Trim(), 1);
            }
        });

    private static int Fail(string line, int exitCode)
    {
        Console.Error.WriteLine($"offsafe-bench: {line}");
        return exitCode;
    }
}
