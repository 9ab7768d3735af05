using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Hyperparameters;

namespace OfflineSafety.Meta.Training;

/// <summary>
/// Phase 2: M Adam steps on the small test-variant set, with the recovery policy trained alongside
/// (thesis tables B.2-B.3; M and the batch size per environment: <see cref="DomainHyperparameterTable"/>).
/// </summary>
public sealed record AdaptationSettings
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
    public static AdaptationSettings For(string environment)
    {
        var domain = DomainHyperparameterTable.For(environment);
        return new AdaptationSettings { Steps = domain.AdaptationSteps, BatchSize = domain.AdaptationBatchSize };
    }
}
