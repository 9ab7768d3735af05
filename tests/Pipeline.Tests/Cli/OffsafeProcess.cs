using System.Diagnostics;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>
/// Runs the real `offsafe` executable (built beside the tests) as a child process, so stdout,
/// stderr and the exit code are exactly what a user sees and no test touches the global Console.
/// </summary>
public static class OffsafeProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "offsafe.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment.Remove("OFFSAFE_STORE");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
