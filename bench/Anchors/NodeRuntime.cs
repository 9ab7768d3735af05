namespace OfflineSafety.Bench.Anchors;

/// <summary>
/// Runs Node.js scripts that drive the project's external peers (DuckDB from npm), installing
/// the npm dependencies of their folder with `npm ci` on first use.
/// </summary>
public static class NodeRuntime
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The repository checkout above <paramref name="start"/>: the folder holding tests/interop/package.json.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "tests", "interop", "package.json")))
                return dir.FullName;
        throw new InvalidOperationException($"no tests/interop/package.json above {start}: the DuckDB peer needs the repository checkout");
    }

    /// <summary>
    /// Runs `npm ci` in <paramref name="folder"/> unless <paramref name="package"/> is installed there.
    /// A file lock serializes concurrent callers (test projects run in parallel processes).
    /// </summary>
    public static void EnsureInstalled(string folder, string package)
    {
        string marker = Path.Combine(folder, "node_modules", package, "package.json");
        if (File.Exists(marker)) return;
        using var installLock = AcquireLock(Path.Combine(folder, ".npm-install.lock"));
        if (File.Exists(marker)) return;
        var outcome = Run("npm", ["ci", "--no-audit", "--no-fund"], folder, stdin: null, InstallTimeout, CancellationToken.None);
        if (outcome.ExitCode != 0 || !File.Exists(marker))
            throw new InvalidOperationException($"`npm ci` in {folder} failed (exit {outcome.ExitCode}): {outcome.Stderr.Trim()}");
    }

    /// <summary>Runs node or npm; a missing Node.js becomes a message that says what to install.</summary>
    public static ProcessOutcome Run(string program, IReadOnlyList<string> args, string workingDirectory, string? stdin,
        TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            return ExternalProcess.Run(program, args, workingDirectory, stdin, timeout, ct);
        }
        catch (ProgramNotFoundException ex)
        {
            throw new InvalidOperationException($"the DuckDB peer needs Node.js 18+ with npm: {ex.Message}", ex);
        }
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow + InstallTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250);
            }
        }
    }
}
