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

/// <summary>
/// An experiment's progress as phases out of <paramref name="total"/>. Each seed runs its phases in
/// turn, and a phase is finished when its seed begins the next one; a long phase (the online episodes)
/// also says how far into it the seed is. Seeds side by side report in turn, and the fraction shown
/// never goes back: a phase's own fraction only grows, and finishing it replaces that fraction by one.
/// </summary>
public sealed class PhaseProgress(Action<ExperimentProgress>? progress, int total)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (string Phase, double Within)> _open = [];
    private int _finished;

    /// <summary>Seed <paramref name="seed"/> begins <paramref name="phase"/>, which finishes its previous phase.</summary>
    public void Begin(int seed, string phase)
    {
        lock (_lock)
        {
            if (_open.Remove(seed)) _finished++;
            _open[seed] = (phase, 0);
            Emit(phase, null);
        }
    }

    /// <summary>Seed <paramref name="seed"/> is <paramref name="done"/> of <paramref name="of"/> <paramref name="unit"/>s into its phase.</summary>
    public void Within(int seed, int done, int of, string unit)
    {
        lock (_lock)
        {
            if (!_open.TryGetValue(seed, out var open) || of <= 0) return;
            _open[seed] = open with { Within = Math.Max(open.Within, Math.Clamp((double)done / of, 0, 1)) };
            Emit(open.Phase, $"{unit} {done}/{of}");
        }
    }

    /// <summary>A callback for <see cref="Meta.Online.OnlineRunner.Run"/> that reports each finished episode of <paramref name="episodes"/>.</summary>
    public Action<Meta.Online.EpisodeOutcome> Episodes(int seed, int episodes)
    {
        int done = 0;
        return _ => Within(seed, ++done, episodes, "episode");
    }

    public void Done()
    {
        lock (_lock) progress?.Invoke(new ExperimentProgress("done", 1));
    }

    private void Emit(string phase, string? detail)
    {
        double within = 0;
        foreach (var open in _open.Values) within += open.Within;
        progress?.Invoke(new ExperimentProgress(phase, Math.Min(1, (_finished + within) / total), detail));
    }
}
