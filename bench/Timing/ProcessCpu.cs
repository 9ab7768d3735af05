using System.Diagnostics;

namespace OfflineSafety.Bench.Timing;

/// <summary>CPU time of this process, all threads: unlike wall time it does not count waiting for a core on a shared machine.</summary>
public static class ProcessCpu
{
    public static TimeSpan Now()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
