using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Hyperparameters;

namespace OfflineSafety.Meta.Training;

/// <summary>
/// Plain Adam training of a critic on one task (Recovery RL; the "RRL" / test-only comparison), or on
/// the pooled union of the training variants (the Multi-Task comparison).
/// Defaults: thesis table B.2 (10,000 steps, Adam 3e-4, batch 256) and algorithms.md section 1.
/// </summary>
public sealed record CriticTrainingSettings
{
    public int Steps { get; init; } = 10_000;
    public float LearningRate { get; init; } = 3e-4f;
    public int BatchSize { get; init; } = 256;
    public float GammaRisk { get; init; } = 0.8f;
    public float EpsRisk { get; init; } = 0.1f;
    /// <summary>Polyak rate of the target network; null: <see cref="RiskTarget.TargetNetworkRate"/> of the run length.</summary>
    public float? TauSafe { get; init; }
    public float TargetRate => TauSafe ?? RiskTarget.TargetNetworkRate(Steps);

    /// <summary>Fraction of each batch drawn from unsafe rows; null samples the logged ratio.</summary>
    public double? PosFraction { get; init; } = 0.3;
    public CriticArchitecture Architecture { get; init; } = CriticArchitecture.TwoBy256;
    public int Seed { get; init; }
}
