namespace OfflineSafety.Testing;

/// <summary>
/// Installs Debian packages a test needs (e.g. python3-h5py to write HDF5 files the way users'
/// tools do), once per process, as CI does on a clean machine: it runs as root with apt reachable.
/// A file lock keeps test processes running side by side from racing apt.
/// </summary>
public static class DebianPackages
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<string> Ready = new(StringComparer.Ordinal);

    public static void EnsureInstalled(string package)
    {
        lock (Gate)
        {
            if (Ready.Contains(package)) return;
            using (AcquireFileLock())
            {
                if (!IsInstalled(package))
                {
                    var update = ProcessRunner.Run("apt-get", ["-o", "DPkg::Lock::Timeout=300", "update"], TimeSpan.FromMinutes(10));
                    var install = update.ExitCode != 0 ? update
                        : ProcessRunner.Run("apt-get", ["-o", "DPkg::Lock::Timeout=300", "install", "-y", "--no-install-recommends", package], TimeSpan.FromMinutes(10));
                    if (install.ExitCode != 0 || !IsInstalled(package))
                        throw new InvalidOperationException(
                            $"the tests need the Debian package {package} and could not install it (apt-get exited {install.ExitCode}; run as root with apt reachable, " +
                            $"or install it by hand: apt-get install {package}): {Tail(install.Output)}");
                }
            }
            Ready.Add(package);
        }
    }

    private static bool IsInstalled(string package)
    {
        var query = ProcessRunner.Run("dpkg-query", ["-W", "-f=${Status}", package], TimeSpan.FromMinutes(1));
        return query.ExitCode == 0 && query.Output.Contains("install ok installed", StringComparison.Ordinal);
    }

    private static FileStream AcquireFileLock()
    {
        string path = Path.Combine(Path.GetTempPath(), "offsafe-tests-apt.lock");
        var deadline = DateTime.UtcNow.AddMinutes(20);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(500);
            }
        }
    }

    private static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];
}
