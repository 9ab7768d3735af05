using System.Diagnostics;

namespace OfflineSafety.Bench.Timing;

/// <summary>Mean time of one step: wall clock, and CPU time of the whole process (all its threads).</summary>
public readonly record struct StepTime(double WallSeconds, double CpuSeconds);

/// <summary>
/// Times a step the way the PyTorch anchor does (shared/bench/torch_anchor.py `timed`): a fixed
/// warm-up, then the mean wall time of max(5, repetitions * scale) calls. Using the anchor's method,
/// not a best-of, keeps the two columns of a comparison measured alike. CPU time is taken over the
/// same calls because the machine is shared: it counts only the time this process actually ran.
/// </summary>
public static class StepTimer
{
    public static double MeanSeconds(Action step, int repetitions, double scale, int warmup, CancellationToken ct) =>
        Measure(step, repetitions, scale, warmup, ct).WallSeconds;

    public static StepTime Measure(Action step, int repetitions, double scale, int warmup, CancellationToken ct)
    {
        int count = Math.Max(5, (int)(repetitions * scale));
        for (int i = 0; i < warmup; i++)
        {
            ct.ThrowIfCancellationRequested();
            step();
        }
        using var process = Process.GetCurrentProcess();
        TimeSpan cpuStart = process.TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            // Checking a token is a volatile read; it does not disturb steps of a few microseconds.
            ct.ThrowIfCancellationRequested();
            step();
        }
        double wall = Stopwatch.GetElapsedTime(start).TotalSeconds / count;
        process.Refresh();
        return new StepTime(wall, (process.TotalProcessorTime - cpuStart).TotalSeconds / count);
    }
}
