using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Hyperparameters;

namespace OfflineSafety.Meta.Training;

/// <summary>
/// Plain Adam training of a critic on one task (Recovery RL; the "RRL" / test-only comparison), or on
/// the pooled union of the training variants (the Multi-Task comparison).
/// Defaults: thesis table B.2 (10,000 steps, Adam 3e-4, batch 256) and algorithms.md section 1.
/// </summary>
public sealed record CriticTrainingConfig
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

/// <summary>
/// MESA phase 1 (algorithms.md section 3; thesis table B.2 and the public code where marked).
/// </summary>
public sealed record MesaConfig
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

/// <summary>
/// Phase 2: M Adam steps on the small test-variant set, with the recovery policy trained alongside
/// (thesis tables B.2-B.3; M and the batch size per environment: <see cref="DomainHyperparameterTable"/>).
/// </summary>
public sealed record AdaptationConfig
{
    public int Steps { get; init; } = 500;
    public float LearningRate { get; init; } = 1e-3f;
    public int BatchSize { get; init; } = 256;
    /// <summary>Polyak rate of the target network; null: <see cref="RiskTarget.TargetNetworkRate"/> of the run length.</summary>
    public float? TauSafe { get; init; }
    public float TargetRate => TauSafe ?? RiskTarget.TargetNetworkRate(Steps);
    public double? PosFraction { get; init; } = 0.3;
    public bool TrainRecoveryPolicy { get; init; } = true;
    public float RecoveryLearningRate { get; init; } = 1e-4f;
    public int[] RecoveryHidden { get; init; } = [256, 256];
    public int Seed { get; init; }

    /// <summary>The defaults with the environment's M and batch size from <see cref="DomainHyperparameterTable"/>.</summary>
    public static AdaptationConfig For(string environment)
    {
        var domain = DomainHyperparameterTable.For(environment);
        return new AdaptationConfig { Steps = domain.AdaptationSteps, BatchSize = domain.AdaptationBatchSize };
    }
}
