using OfflineSafety.Meta.Critics;

namespace OfflineSafety.Meta.Hyperparameters;

/// <summary>
/// Every hyperparameter that differs between environments, in one record per environment.
/// <see cref="DomainHyperparameterTable"/> holds the values and says where each comes from; the
/// config records (<see cref="Training.MesaSettings"/>, <see cref="Training.AdaptationSettings"/>,
/// <see cref="Online.SafetySettings"/>, ...) keep the settings every environment shares.
/// </summary>
public sealed record DomainHyperparameters
{
    /// <summary>Discount of the risk target.</summary>
    public required float GammaRisk { get; init; }

    /// <summary>Risk threshold: an action whose risk exceeds it is unsafe.</summary>
    public required float EpsRisk { get; init; }

    /// <summary>
    /// eps_risk of the Recovery RL comparison (Recovery RL against its baselines, every method
    /// alike) where it differs from <see cref="EpsRisk"/>, the MESA thesis's value; null: the same.
    /// </summary>
    public float? RecoveryRlEpsRisk { get; init; }

    /// <summary>Initial lambda of LR, SQRL and RCPO (and 2x of it for RSPO's schedule).</summary>
    public required float LagrangeLambda { get; init; }

    /// <summary>Reward-penalty lambda: r' = r - lambda c.</summary>
    public required float PenaltyLambda { get; init; }

    /// <summary>M: adaptation steps of phase 2 (also the paper budget's adaptation steps).</summary>
    public required int AdaptationSteps { get; init; }

    public required int AdaptationBatchSize { get; init; }

    /// <summary>Steps of the RRL (test-only) critic in the critics experiment.</summary>
    public required int TestOnlySteps { get; init; }

    /// <summary>Online episodes of the papers' budget.</summary>
    public required int PaperEpisodes { get; init; }

    /// <summary>Online episodes of the reduced `--quick` budget.</summary>
    public required int QuickEpisodes { get; init; }

    /// <summary>Adaptation steps of the reduced `--quick` budget.</summary>
    public required int QuickAdaptationSteps { get; init; }

    /// <summary>MESA phase-1 iterations and Multi-Task steps of the papers' budget (thesis tables B.2, B.4, B.5).</summary>
    public int MetaIterations { get; init; } = 10_000;

    public RiskSettings Risk => new(GammaRisk, EpsRisk);
}
