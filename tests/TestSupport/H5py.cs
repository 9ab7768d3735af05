namespace OfflineSafety.Testing;

/// <summary>
/// Writes HDF5 files with h5py, the library D4RL, DSRL and Minari write theirs with, so tests
/// read what users have rather than what our own code writes. Uses Debian's interpreter and
/// python3-h5py (installed when missing), not whatever python3 comes first on PATH.
/// </summary>
public static class H5py
{
    public const string Python = "/usr/bin/python3";

    /// <summary>Runs <paramref name="body"/> with <c>h5py</c>, <c>np</c> (numpy) and <c>path</c> defined, then checks the file exists.</summary>
    public static string Write(string path, string body)
    {
        DebianPackages.EnsureInstalled("python3-h5py");
        string script = "import sys\nimport h5py\nimport numpy as np\npath = sys.argv[1]\n" + body;
        var run = ProcessRunner.Run(Python, ["-c", script, path], TimeSpan.FromMinutes(2));
        if (run.ExitCode != 0 || !File.Exists(path))
            throw new InvalidOperationException($"h5py script failed (exit {run.ExitCode}): {run.Output}");
        return path;
    }
}
