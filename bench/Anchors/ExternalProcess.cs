using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace OfflineSafety.Bench.Anchors;

/// <summary>What a finished external process printed.</summary>
public sealed record ProcessOutcome(int ExitCode, string Stdout, string Stderr);

public sealed class ProgramNotFoundException(string message, Exception inner) : InvalidOperationException(message, inner);

/// <summary>Runs an external program to completion with its output captured.</summary>
public static class ExternalProcess
{
    /// <summary>Runs a program to completion, feeding it <paramref name="stdin"/>; throws with a clear message when it is not installed.</summary>
    public static ProcessOutcome Run(string program, IReadOnlyList<string> args, string workingDirectory, string? stdin,
        TimeSpan timeout, CancellationToken ct)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        }
        catch (Win32Exception ex)
        {
            throw new ProgramNotFoundException($"`{program}` was not found on PATH ({ex.Message})", ex);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            if (stdin is not null) process.StandardInput.Write(stdin);
            process.StandardInput.Close();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(timeout);
            try
            {
                process.WaitForExitAsync(deadline.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                ct.ThrowIfCancellationRequested();
                throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout}");
            }
            return new ProcessOutcome(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
    }
}
