namespace OfflineSafety.Meta.Online;

/// <summary>
/// One training episode and the running totals after it. <see cref="Cost"/> is the episode's summed
/// step cost and <see cref="CumulativeCost"/> the run's running total: the lifetime regret so far
/// (Knight and Achiam's deployment metric).
/// </summary>
public sealed record EpisodeOutcome(int Episode, float Return, int Steps, bool Violation, bool Success, int RecoverySteps,
    int CumulativeViolations, int CumulativeSuccesses, double Cost, double CumulativeCost)
{
    /// <summary>Recovery RL's metric: (cumulative successes + 1) / (cumulative violations + 1).</summary>
    public double Ratio => (CumulativeSuccesses + 1.0) / (CumulativeViolations + 1.0);

    /// <summary>Environment steps taken so far in the run, this episode included.</summary>
    public long CumulativeSteps { get; init; }

    /// <summary>
    /// Step at which the episode's latest run of consecutive recovery actions began (-1: none). For a
    /// violating episode, <see cref="Steps"/> minus this is how long before the violation the switch
    /// fired for good: the recovery policy's lead time.
    /// </summary>
    public int LastRecoveryStreakStart { get; init; } = -1;
}

/// <summary>Deterministic evaluation taken during a run, after <paramref name="Steps"/> environment steps.</summary>
public sealed record EvaluationPoint(long Steps, int Episode, EvaluationResult Result);

/// <summary>A finished online run.</summary>
public sealed record OnlineRunResult(string RunId, OnlineAlgorithm Algorithm, IReadOnlyList<EpisodeOutcome> Episodes, long Steps, double Seconds,
    int RecordedTransitions)
{
    public int Violations => Episodes.Count == 0 ? 0 : Episodes[^1].CumulativeViolations;
    public int Successes => Episodes.Count == 0 ? 0 : Episodes[^1].CumulativeSuccesses;
    public double Ratio => (Successes + 1.0) / (Violations + 1.0);
    public double MeanReturn => Episodes.Count == 0 ? double.NaN : Episodes.Average(e => (double)e.Return);

    /// <summary>Total cost accumulated over the run's training episodes (lifetime regret in the environment it ran in).</summary>
    public double LifetimeRegret => Episodes.Count == 0 ? 0 : Episodes[^1].CumulativeCost;

    /// <summary>Periodic deterministic evaluations (empty unless <see cref="OnlineRunOptions.EvaluateEvery"/> is set).</summary>
    public IReadOnlyList<EvaluationPoint> Evaluations { get; init; } = [];
}

/// <summary>Deterministic-policy evaluation episodes (no learning, safety layer on).</summary>
public sealed record EvaluationResult(int Episodes, int Violations, int Successes, double MeanReturn)
{
    /// <summary>Mean summed cost per evaluation episode.</summary>
    public double MeanCost { get; init; }

    /// <summary>Summed cost over evaluation steps, divided by those steps.</summary>
    public double CostPerStep { get; init; }
}
