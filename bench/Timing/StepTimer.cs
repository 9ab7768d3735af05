using System.Diagnostics;

namespace OfflineSafety.Bench.Timing;

/// <summary>
/// Times a step the way the PyTorch anchor does (shared/bench/torch_anchor.py `timed`): a fixed
/// warm-up, then the mean wall time of max(5, repetitions * scale) calls. Using the anchor's method,
/// not a best-of, keeps the two columns of a comparison measured alike.
/// </summary>
public static class StepTimer
{
    public static double MeanSeconds(Action step, int repetitions, double scale, int warmup, CancellationToken ct)
    {
        int count = Math.Max(5, (int)(repetitions * scale));
        for (int i = 0; i < warmup; i++)
        {
            ct.ThrowIfCancellationRequested();
            step();
        }
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            // Checking a token is a volatile read; it does not disturb steps of a few microseconds.
            ct.ThrowIfCancellationRequested();
            step();
        }
        return Stopwatch.GetElapsedTime(start).TotalSeconds / count;
    }
}
