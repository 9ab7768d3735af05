namespace OfflineSafety.Pipeline.Experiments;

/// <summary>
/// An experiment's progress as work done out of <paramref name="total"/>, each phase counting the
/// work its <see cref="Begin"/> declares (1 unless said, for phases of one kind). Experiments whose
/// phases differ by orders of magnitude (a one-second critic fit beside a half-hour online run)
/// declare each phase's work from <see cref="ExperimentBudget"/>, so the fraction follows the time
/// and not the phase count. Each lane (a seed, when seeds run side by side; 0 in an experiment that
/// runs one thing at a time) runs its phases in turn, and a phase is finished when its lane begins
/// the next one or ends; a long phase (the online episodes) also says how far into it the seed is.
/// Seeds side by side report in turn, and the fraction shown never goes back: a phase's own fraction
/// only grows, and finishing it replaces that fraction by its whole work. Each report also says
/// where the other open lanes stand, so a line about one seed does not hide the other.
/// </summary>
public sealed class PhaseProgress(Action<ExperimentProgress>? progress, double total)
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<int, (string Phase, double Work, double Within, string? Detail)> _open = [];
    private double _finished;

    /// <summary><paramref name="lane"/> begins <paramref name="phase"/> of <paramref name="work"/>, which finishes its previous phase.</summary>
    public void Begin(int lane, string phase, double work = 1)
    {
        lock (_lock)
        {
            Finish(lane);
            _open[lane] = (phase, work, 0, null);
            Emit(lane);
        }
    }

    /// <summary><paramref name="lane"/> is <paramref name="done"/> of <paramref name="of"/> <paramref name="unit"/>s into its phase.</summary>
    public void Within(int lane, long done, long of, string unit)
    {
        lock (_lock)
        {
            if (!_open.TryGetValue(lane, out var open) || of <= 0) return;
            _open[lane] = open with { Within = Math.Max(open.Within, Math.Clamp((double)done / of, 0, 1)), Detail = $"{unit} {done}/{of}" };
            Emit(lane);
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

    /// <summary>
    /// A callback for a trainer's per-update progress (MESA's meta-iterations, a critic's steps) that
    /// reports each whole percent of <paramref name="lane"/>'s phase: a paper-budget meta-training
    /// runs for minutes, and a report per update would format a line per update.
    /// </summary>
    public Action<Meta.Training.TrainingProgress> Updates(int lane, string unit)
    {
        long reported = -1;
        return p =>
        {
            long percent = 100L * p.Step / Math.Max(1, p.TotalSteps);
            if (percent == reported) return;
            reported = percent;
            Within(lane, p.Step, p.TotalSteps, unit);
        };
    }

    /// <summary><paramref name="lane"/> has run its last phase (a seed is done while others still run).</summary>
    public void End(int lane)
    {
        lock (_lock) Finish(lane);
    }

    public void Done()
    {
        lock (_lock) progress?.Invoke(new ExperimentProgress("done", 1));
    }

    private void Finish(int lane)
    {
        if (_open.Remove(lane, out var open)) _finished += open.Work;
    }

    private void Emit(int lane)
    {
        double within = 0;
        foreach (var open in _open.Values) within += open.Within * open.Work;
        var others = _open.Where(o => o.Key != lane).Select(o => o.Value.Detail is null ? o.Value.Phase : $"{o.Value.Phase} ({o.Value.Detail})").ToList();
        var (phase, _, _, detail) = _open[lane];
        progress?.Invoke(new ExperimentProgress(phase, Math.Min(1, (_finished + within) / total), detail, others.Count == 0 ? null : string.Join(" | ", others)));
    }
}
