using OfflineSafety.Bench.Anchors;

namespace OfflineSafety.Interop.Tests.Peers;

/// <summary>
/// Runs the real `offsafe` CLI as its own process (the build copies offsafe.dll beside the tests),
/// so exit codes, stdout and stderr are what a user sees.
/// </summary>
public static class OffsafeProcess
{
    public static ProcessOutcome Run(params string[] args) =>
        ExternalProcess.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "offsafe.dll"), .. args],
            AppContext.BaseDirectory, stdin: null, TimeSpan.FromMinutes(2), CancellationToken.None);
}

/// <summary>A temporary folder removed with the test class.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("offsafe-interop-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
