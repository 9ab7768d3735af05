using System.Diagnostics;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>
/// Runs the real `offsafe` executable (built beside the tests) as a child process, so stdout,
/// stderr and the exit code are exactly what a user sees and no test touches the global Console.
/// Every Pipeline test that runs the CLI goes through here.
/// </summary>
public static class OffsafeProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Task<Result> RunAsync(string? workingDirectory, params string[] args) =>
        RunAsync(workingDirectory, args, TimeSpan.FromMinutes(3));

    /// <param name="environment">Variables set for the child only (e.g. the connection string of a test's Azurite).</param>
    public static async Task<Result> RunAsync(string? workingDirectory, IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(workingDirectory, args, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a command that must be refused before any work: exit code 1 and one line on stderr containing <paramref name="expected"/>.</summary>
    public static async Task AssertRefusedInOneLineAsync(IEnumerable<string> args, string expected)
    {
        var run = await RunAsync(null, args, TimeSpan.FromMinutes(1));
        Assert.Equal(1, run.ExitCode);
        string line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
    }

    /// <summary>Runs a command that does not end by itself (the scheduler, a server) for <paramref name="duration"/>, then kills it.</summary>
    public static async Task<Result> RunForAsync(IEnumerable<string> args, TimeSpan duration)
    {
        using var process = Start(null, args, null);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try { await Task.Delay(duration); }
        finally { process.Kill(entireProcessTree: true); }
        await process.WaitForExitAsync();
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    private static Process Start(string? workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "offsafe.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        // A developer's own default store must never leak into a test, nor colour codes into parsed output.
        start.Environment.Remove("OFFSAFE_STORE");
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return Process.Start(start)!;
    }

    /// <summary>The synchronous form, for tests that are not async.</summary>
    public static Result Run(params string[] args) => RunAsync(null, args).GetAwaiter().GetResult();

    // The dotnet running the tests (the SDK's host when `dotnet test` sets it), so a machine with
    // several SDKs runs offsafe on the same runtime.
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";
}
