namespace OfflineSafety.Testing;

/// <summary>
/// The npm packages in tests/interop (Azurite, Apache Arrow JS, DuckDB), installed with `npm ci` on
/// first use so that a fresh clone passes without manual steps.
/// </summary>
public static class InteropPackages
{
    public static string Folder => RepositoryRoot.Combine("tests", "interop");

    /// <summary>
    /// Installs the locked packages unless <paramref name="marker"/> (a file under node_modules, e.g.
    /// a package's entry point) exists; one `npm ci` at a time across test processes.
    /// </summary>
    public static void EnsureInstalled(string marker)
    {
        if (File.Exists(marker)) return;
        using var held = AcquireLock(Path.Combine(Path.GetTempPath(), "offsafe-tests-npm.lock"));
        if (File.Exists(marker)) return;
        var run = ProcessRunner.Run("npm", ["ci", "--no-audit", "--no-fund", "--prefix", Folder], TimeSpan.FromMinutes(10));
        if (run.ExitCode != 0 || !File.Exists(marker))
            throw new InvalidOperationException($"`npm ci` in {Folder} failed (exit {run.ExitCode}); these tests need Node.js and the npm registry: {run.Output[^Math.Min(run.Output.Length, 2000)..]}");
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(15);
        while (true)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (DateTime.UtcNow < deadline) { Thread.Sleep(500); }
        }
    }
}
