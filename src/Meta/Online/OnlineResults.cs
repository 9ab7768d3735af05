namespace OfflineSafety.Meta.Online;

/// <summary>One training episode and the running totals after it.</summary>
public sealed record EpisodeOutcome(int Episode, float Return, int Steps, bool Violation, bool Success, int RecoverySteps,
    int CumulativeViolations, int CumulativeSuccesses)
{
    /// <summary>Recovery RL's metric: (cumulative successes + 1) / (cumulative violations + 1).</summary>
    public double Ratio => (CumulativeSuccesses + 1.0) / (CumulativeViolations + 1.0);
}

/// <summary>A finished online run.</summary>
public sealed record OnlineRunResult(string RunId, OnlineAlgorithm Algorithm, IReadOnlyList<EpisodeOutcome> Episodes, long Steps, double Seconds,
    int RecordedTransitions)
{
    public int Violations => Episodes.Count == 0 ? 0 : Episodes[^1].CumulativeViolations;
    public int Successes => Episodes.Count == 0 ? 0 : Episodes[^1].CumulativeSuccesses;
    public double Ratio => (Successes + 1.0) / (Violations + 1.0);
    public double MeanReturn => Episodes.Count == 0 ? double.NaN : Episodes.Average(e => (double)e.Return);
}

/// <summary>Deterministic-policy evaluation episodes (no learning, safety layer on).</summary>
public sealed record EvaluationResult(int Episodes, int Violations, int Successes, double MeanReturn);
