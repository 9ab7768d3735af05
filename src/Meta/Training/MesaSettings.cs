using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Hyperparameters;

namespace OfflineSafety.Meta.Training;

/// <summary>
/// MESA phase 1 (algorithms.md section 3; thesis table B.2 and the public code where marked).
/// </summary>
public sealed record MesaSettings
{
    public int MetaIterations { get; init; } = 10_000;

    /// <summary>K: tasks (variants) sampled per meta-iteration.</summary>
    public int TasksPerIteration { get; init; } = 5;

    /// <summary>Inner SGD steps per task; the thesis uses 1.</summary>
    public int InnerSteps { get; init; } = 1;

    /// <summary>alpha_1; also the initial value of the learned rates (l0 = log(alpha_1) inside softplus).</summary>
    public float InnerLearningRate { get; init; } = 1e-3f;

    /// <summary>[code] learn one inner rate per parameter tensor, softplus(l), by Adam on l.</summary>
    public bool LearnInnerLearningRates { get; init; } = true;
    public float InnerRateLearningRate { get; init; } = 1e-3f;

    /// <summary>Drop the second-order term (FOMAML): cheaper, ignores how the inner step moves.</summary>
    public bool FirstOrder { get; init; }

    /// <summary>alpha_2: outer Adam learning rate.</summary>
    public float OuterLearningRate { get; init; } = 1e-5f;
    public float GradClipNorm { get; init; } = 40f;
    public int InnerBatchSize { get; init; } = 256;
    public int OuterBatchSize { get; init; } = 256;
    public float GammaRisk { get; init; } = 0.8f;
    public float EpsRisk { get; init; } = 0.1f;
    /// <summary>Polyak rate of the target network; null: <see cref="RiskTarget.TargetNetworkRate"/> of the run length.</summary>
    public float? TauSafe { get; init; }
    public float TargetRate => TauSafe ?? RiskTarget.TargetNetworkRate(MetaIterations);
    public double? PosFraction { get; init; } = 0.3;
    public CriticArchitecture Architecture { get; init; } = CriticArchitecture.ThreeBy100;
    public int Seed { get; init; }
}
