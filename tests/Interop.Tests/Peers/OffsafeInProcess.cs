using System.CommandLine;
using OfflineSafety.Bench.Anchors;
using OfflineSafety.Pipeline.Cli;

namespace OfflineSafety.Interop.Tests.Peers;

/// <summary>
/// Runs the `offsafe` command tree (or another, such as `offsafe-bench`'s) in this process with
/// Console.Out and Console.Error captured: the same parse and actions as the real CLI without a
/// process start per call. Console is process-wide, so calls take turns.
/// </summary>
public static class OffsafeInProcess
{
    private static readonly SemaphoreSlim ConsoleTurn = new(1, 1);

    public static ProcessOutcome Run(params string[] args) => Run(OffsafeCli.Build(), args);

    public static ProcessOutcome Run(RootCommand root, params string[] args)
    {
        ConsoleTurn.Wait();
        var (stdout, stderr) = (Console.Out, Console.Error);
        try
        {
            using var capturedOut = new StringWriter();
            using var capturedErr = new StringWriter();
            Console.SetOut(capturedOut);
            Console.SetError(capturedErr);
            int exitCode = root.Parse(args).InvokeAsync().GetAwaiter().GetResult();
            return new ProcessOutcome(exitCode, capturedOut.ToString(), capturedErr.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            ConsoleTurn.Release();
        }
    }
}
