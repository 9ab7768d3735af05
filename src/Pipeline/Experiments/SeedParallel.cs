using System.Runtime.ExceptionServices;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>
/// Runs an experiment's seeds side by side (`--workers`). An experiment's seed draws only from
/// generators derived from that seed, and the kernels' results do not depend on how many threads
/// run them, so a seed's runs are the same episodes however many run at once; results come back
/// in seed order.
/// </summary>
public static class SeedParallel
{
    /// <summary>
    /// The share of the machine each of <paramref name="count"/> seeds run <paramref name="workers"/>
    /// at a time gets: the cores divided among the seeds running at once, at least one each. Two
    /// seeds side by side on two cores that each split every product across both cores took 1.25-1.5x
    /// the wall time (Cart-pole on MuJoCo at 2x256, 2026-12-07) of the same seeds on one core each:
    /// each split's threads wait for the other seed's.
    /// </summary>
    public static ComputeOptions LaneCompute(int count, int workers)
    {
        int lanes = Math.Max(1, Math.Min(count, workers));
        return lanes == 1 ? ComputeOptions.Default : new ComputeOptions { Threads = Math.Max(1, Environment.ProcessorCount / lanes) };
    }

    /// <summary>body(0..count-1), up to <paramref name="workers"/> at a time; a failure surfaces as itself, as it does with one worker.</summary>
    public static T[] Map<T>(int count, int workers, Func<int, T> body, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var results = new T[count];
        if (workers == 1 || count <= 1)
        {
            for (int i = 0; i < count; i++) results[i] = body(i);
            return results;
        }
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = ct }, i => results[i] = body(i));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        return results;
    }
}
