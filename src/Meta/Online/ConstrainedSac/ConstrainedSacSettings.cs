namespace OfflineSafety.Meta.Online.ConstrainedSac;

/// <summary>
/// Which scale the cost limit is stated in. Knight and Achiam state a per-step limit (0.01) while
/// their Q_c is a discounted sum; the two meet as (1 - gamma_c) Q_c, the discounted average cost per
/// step, which is what <see cref="PerStep"/> compares with the limit. <see cref="Discounted"/>
/// compares Q_c itself (a limit on expected discounted cost-to-go).
/// </summary>
public enum CostLimitScale { PerStep, Discounted }

/// <summary>Constrained SAC's cost side (algorithms.md section 8); the reward side is the run's <see cref="SacSettings"/>.</summary>
public sealed record ConstrainedSacSettings
{
    /// <summary>The cost limit, in <see cref="Scale"/> units. 0.05 per step: the same 5% the dual-agent runs allow.</summary>
    public float CostLimit { get; init; } = 0.05f;
    public CostLimitScale Scale { get; init; } = CostLimitScale.PerStep;

    /// <summary>gamma_c of Q_c's backup.</summary>
    public float GammaCost { get; init; } = 0.99f;
    public float CostLearningRate { get; init; } = 3e-4f;

    public float InitialBeta { get; init; }

    /// <summary>Step size of beta's projected ascent on (scaled Q_c - limit).</summary>
    public float BetaLearningRate { get; init; } = 0.05f;

    /// <summary>The constraint's left side for a batch mean of Q_c, in the limit's units.</summary>
    public float Scaled(float meanCostValue) => Scale == CostLimitScale.PerStep ? (1f - GammaCost) * meanCostValue : meanCostValue;

    public string Describe() => Scale == CostLimitScale.PerStep
        ? $"(1 - {GammaCost}) E Q_c(s, pi(s)) <= {CostLimit} per step"
        : $"E Q_c(s, pi(s)) <= {CostLimit} (discounted, gamma_c {GammaCost})";
}
