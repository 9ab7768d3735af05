using System.Globalization;
using System.Runtime.InteropServices;

namespace OfflineSafety.Bench.Serve;

/// <summary>
/// Lowers the load generator's CPU priority (Linux nice) once the server runs, so that on a machine
/// where generator and server share two cores the server's request is not time-sliced against the
/// 32 clients that send it: in a deployment the clients are other machines. Linux keeps a nice value
/// per thread, so every thread that exists is reniced; threads started later inherit it from the
/// thread that starts them. The server, started before, keeps the default priority.
/// </summary>
public static partial class GeneratorPriority
{
    private const int PrioProcess = 0;

    /// <summary>Renices every thread of this process; false where the platform has no per-thread nice (the figures then say "nice not applied").</summary>
    public static bool Lower(int nice)
    {
        if (nice == 0) return true;
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc/self/task")) return false;
        bool all = true;
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
            if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out int tid))
                all &= SetPriority(PrioProcess, tid, nice) == 0;
        return all;
    }

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int prio);
}
