namespace OfflineSafety.Pipeline.Experiments;

/// <summary>
/// An experiment's progress as phases out of <paramref name="total"/>. Each lane (a seed, when seeds
/// run side by side; 0 in an experiment that runs one thing at a time) runs its phases in turn, and a
/// phase is finished when its lane begins the next one; a long phase (the online episodes)
/// also says how far into it the seed is. Seeds side by side report in turn, and the fraction shown
/// never goes back: a phase's own fraction only grows, and finishing it replaces that fraction by one.
/// </summary>
public sealed class PhaseProgress(Action<ExperimentProgress>? progress, int total)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (string Phase, double Within)> _open = [];
    private int _finished;

    /// <summary><paramref name="lane"/> begins <paramref name="phase"/>, which finishes its previous phase.</summary>
    public void Begin(int lane, string phase)
    {
        lock (_lock)
        {
            if (_open.Remove(lane)) _finished++;
            _open[lane] = (phase, 0);
            Emit(phase, null);
        }
    }

    /// <summary><paramref name="lane"/> is <paramref name="done"/> of <paramref name="of"/> <paramref name="unit"/>s into its phase.</summary>
    public void Within(int lane, long done, long of, string unit)
    {
        lock (_lock)
        {
            if (!_open.TryGetValue(lane, out var open) || of <= 0) return;
            _open[lane] = open with { Within = Math.Max(open.Within, Math.Clamp((double)done / of, 0, 1)) };
            Emit(open.Phase, $"{unit} {done}/{of}");
        }
    }

    /// <summary>A callback for <see cref="Meta.Online.OnlineRunner.Run"/> that reports each finished episode of <paramref name="episodes"/>.</summary>
    public Action<Meta.Online.EpisodeOutcome> Episodes(int lane, int episodes)
    {
        int done = 0;
        return _ => Within(lane, ++done, episodes, "episode");
    }

    /// <summary>The same for a run with a step budget: reports the run's steps when each episode ends.</summary>
    public Action<Meta.Online.EpisodeOutcome> Steps(int lane, long steps) => e => Within(lane, e.CumulativeSteps, steps, "step");

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
