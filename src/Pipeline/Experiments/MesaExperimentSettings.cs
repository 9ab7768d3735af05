using OfflineSafety.Envs.Collection;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>
/// What a <see cref="MesaExperiment"/> may change from the thesis's experiment, each part the same for
/// every critic source; the defaults are the thesis's.
/// </summary>
public sealed record MesaExperimentSettings
{
    /// <summary>(gamma_risk, eps_risk) in every phase (`--gamma-risk`, `--eps-risk`); null: the domain's, <see cref="Meta.Hyperparameters.DomainHyperparameterTable"/>.</summary>
    public RiskSettings? Risk { get; init; }

    /// <summary>How the training variants are collected (`--training-collection`, `--restart-labels`); null: the environment's recipe, <see cref="TrainingCollections"/>.</summary>
    public IVariantCollection? TrainingCollection { get; init; }

    /// <summary>
    /// A subset of <see cref="MesaExperiment.Methods"/> (`--methods`); null: all. Critics no selected method
    /// reads are not trained, and each selected run is the one the full experiment makes, since every
    /// phase seeds its own generator.
    /// </summary>
    public IReadOnlyList<string>? Methods { get; init; }

    /// <summary>
    /// `--recovery-bc`: clone MESA's and Multi-Task's recovery policies, in adaptation and online, towards
    /// the training variants' saved restart actions (<see cref="Meta.Recovery.RecoveryDemonstrations"/>)
    /// with this weight; RRL and Unconstrained read no training data and are unchanged. Null: off.
    /// </summary>
    public float? RecoveryCloning { get; init; }

    /// <summary>
    /// Every Recovery RL run's changes to the paper's rule. With a recovery critic (`--recovery-gamma`),
    /// MESA's and Multi-Task's are adapted alongside their recovery policies and RRL's starts online as a
    /// copy of its critic. With the margin objective every run gets a <see cref="Meta.Recovery.MarginRecoveryAgent"/>
    /// pretrained on the rows its Q_risk recovery policy adapts on; the critics are unchanged.
    /// </summary>
    public RecoveryRlVariation Recovery { get; init; } = RecoveryRlVariation.Paper;
}
