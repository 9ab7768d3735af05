using System.Runtime.ExceptionServices;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>
/// Runs an experiment's seeds side by side (`--workers`). An experiment's seed draws only from
/// generators derived from that seed, and the kernels' results do not depend on how many threads
/// run them, so a seed's runs are the same episodes however many run at once; results come back
/// in seed order.
/// </summary>
public static class SeedParallel
{
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
