using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Hyperparameters;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// The task policy's hyperparameters (algorithms.md section 2; Recovery RL thesis table B.2):
/// SAC with twin Q networks, a tanh-Gaussian actor, gamma 0.99, tau 0.005, fixed alpha 0.2,
/// Adam 3e-4, batch 256, two hidden layers of 256.
/// </summary>
public sealed record SacSettings
{
    public float Gamma { get; init; } = 0.99f;
    public float Tau { get; init; } = 0.005f;
    public float Alpha { get; init; } = 0.2f;

    /// <summary>Learn alpha towards the target entropy -|A| instead of keeping it fixed.</summary>
    public bool LearnAlpha { get; init; }
    public float LearningRate { get; init; } = 3e-4f;
    public int BatchSize { get; init; } = 256;
    public int[] Hidden { get; init; } = [256, 256];

    /// <summary>Environment steps with uniform random task actions before the actor acts (0 as in Recovery RL's navigation runs).</summary>
    public int RandomSteps { get; init; }

    /// <summary>Task-buffer transitions needed before updates start (one batch).</summary>
    public int UpdateAfter => BatchSize;
}

/// <summary>The safety side of an online run: critic and recovery updates, and the constrained baselines' multipliers.</summary>
public sealed record SafetySettings
{
    public float GammaRisk { get; init; } = 0.8f;
    public float EpsRisk { get; init; } = 0.1f;
    public float CriticLearningRate { get; init; } = 3e-4f;

    /// <summary>Target-network rate of the safety critic (pretraining and online); null: <see cref="RiskTarget.TargetNetworkRate"/> of <see cref="PretrainSteps"/>.</summary>
    public float? TauSafe { get; init; }
    public float TargetRate => TauSafe ?? RiskTarget.TargetNetworkRate(PretrainSteps);

    public int CriticBatchSize { get; init; } = 256;

    /// <summary>Fraction of each critic batch drawn from unsafe rows (Recovery RL code's pos_fraction).</summary>
    public double PosFraction { get; init; } = 0.3;
    public float RecoveryLearningRate { get; init; } = 3e-4f;
    public int[] RecoveryHidden { get; init; } = [256, 256];

    /// <summary>Offline critic pretraining steps when the critic is trained here (10,000 in the papers).</summary>
    public int PretrainSteps { get; init; } = 10_000;

    /// <summary>Initial lambda of LR, SQRL, RCPO (and 2x of it for RSPO's schedule).</summary>
    public float LagrangeLambda { get; init; } = 5000f;

    /// <summary>Adam learning rate on log lambda (algorithms.md: 3e-5).</summary>
    public float LagrangeLearningRate { get; init; } = 3e-5f;

    /// <summary>Reward-penalty lambda: r' = r - lambda c.</summary>
    public float PenaltyLambda { get; init; } = 1000f;

    /// <summary>SQRL: actions sampled from pi per step for the filter.</summary>
    public int SqrlSamples { get; init; } = 100;

    /// <summary>
    /// Recovery RL: steps the recovery policy keeps control once the switch fires, unchecked, unless the
    /// episode ends first (<see cref="RecoveryHold"/>); 1 is the paper's per-step switch.
    /// </summary>
    public int RecoveryHold { get; init; } = 1;

    /// <summary>
    /// Model-free Recovery RL: the discount of the recovery policy's own objective critic
    /// (<see cref="Recovery.RecoveryCritic"/>, `--recovery-gamma`); null: the recovery policy minimises
    /// Q_risk (gamma_risk), as in the paper. The switch always reads Q_risk.
    /// </summary>
    public float? RecoveryGamma { get; init; }

    /// <summary>
    /// Model-free Recovery RL: what the recovery action is trained on (`--recovery-objective`). Risk: the
    /// paper's policy minimising Q_risk. Margin: a second SAC agent (<see cref="Recovery.MarginRecoveryAgent"/>)
    /// on the reward margin(s') / scale with the violation terminal, discount <see cref="RecoveryMarginGamma"/>.
    /// The switch reads Q_risk either way.
    /// </summary>
    public RecoveryObjective RecoveryObjective { get; init; } = RecoveryObjective.Risk;

    /// <summary>The margin recovery agent's discount (a horizon of about 100 steps: falling forfeits all later margin).</summary>
    public float RecoveryMarginGamma { get; init; } = 0.99f;

    /// <summary>Offline SAC updates of the margin recovery agent before the run (`--recovery-pretrain-steps`); null: <see cref="PretrainSteps"/>.</summary>
    public int? RecoveryMarginPretrainSteps { get; init; }

    public int MarginPretrainSteps => RecoveryMarginPretrainSteps ?? PretrainSteps;

    /// <summary>
    /// Keep the pretrained margin recovery agent fixed online (`--recovery-freeze`, a diagnostic: do its
    /// online updates help or hurt it?); false: one SAC update per environment step.
    /// </summary>
    public bool RecoveryMarginFrozen { get; init; }

    /// <summary>
    /// Recovery RL: the action the task buffer stores on a step the recovery action ran (`--recovery-relabel`).
    /// Proposal: a_task, the paper's relabelling. Executed: the recovery action, the paper's "no relabelling"
    /// ablation, so the task policy's critic sees what earned the reward. Drop: no task row (a diagnostic).
    /// </summary>
    public RecoveryRelabel RecoveryRelabel { get; init; } = RecoveryRelabel.Proposal;

    /// <summary>
    /// Recovery RL: lambda >= 0 taken off the task row's reward on every step the recovery action ran
    /// (`--recovery-penalty`), so the task policy is taught directly to stop proposing what the switch
    /// overrides rather than only through what followed. 0: the paper's. It applies to whichever action
    /// <see cref="RecoveryRelabel"/> stores; under Drop there is no row to penalise.
    /// </summary>
    public float RecoveryPenalty { get; init; }

    /// <summary>`--recovery-penalty`'s text as a number (invariant culture), checked by <see cref="CheckRecoveryPenalty"/>; a one-line refusal otherwise.</summary>
    public static float ParseRecoveryPenalty(string text) =>
        float.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out float lambda)
            ? CheckRecoveryPenalty(lambda)
            : throw new Errors.BadInputException($"--recovery-penalty must be a finite number at least 0, got '{text}'");

    /// <summary>The `--recovery-penalty` value if it is finite and at least 0; otherwise a one-line refusal naming the flag.</summary>
    public static float CheckRecoveryPenalty(float lambda) => float.IsFinite(lambda) && lambda >= 0
        ? lambda
        : throw new Errors.BadInputException($"--recovery-penalty must be a finite number at least 0, got {lambda.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    /// <summary>Per-environment settings: gamma_risk, eps_risk and the LR and RP lambdas from <see cref="DomainHyperparameterTable"/>.</summary>
    public static SafetySettings For(string environment)
    {
        var domain = DomainHyperparameterTable.For(environment);
        return new SafetySettings
        {
            GammaRisk = domain.GammaRisk,
            EpsRisk = domain.EpsRisk,
            LagrangeLambda = domain.LagrangeLambda,
            PenaltyLambda = domain.PenaltyLambda,
        };
    }
}

/// <summary>What the model-free recovery action optimises (`--recovery-objective`).</summary>
public enum RecoveryObjective
{
    /// <summary>min_a Q_risk(s, a), the paper's.</summary>
    Risk,

    /// <summary>The discounted constraint margin, by SAC (<see cref="Recovery.MarginRecoveryAgent"/>).</summary>
    Margin,
}

/// <summary>What Recovery RL's task buffer stores when the recovery action ran (`--recovery-relabel`).</summary>
public enum RecoveryRelabel
{
    /// <summary>The task policy's proposal a_task (the paper's relabelling).</summary>
    Proposal,

    /// <summary>The executed recovery action (the paper's "no relabelling" ablation).</summary>
    Executed,

    /// <summary>
    /// Nothing: the step is left out of the task buffer (a diagnostic, not the paper's; it tells
    /// whether Executed fails because the task policy no longer pays for the proposals the switch
    /// overrides, or because the recovery actions' rows mislead its critic).
    /// </summary>
    Drop,
}

/// <summary>The `--recovery-relabel` names of <see cref="RecoveryRelabel"/>, in one place for every command.</summary>
public static class RecoveryRelabels
{
    public const string Proposal = "proposal";
    public const string Executed = "executed";
    public const string Drop = "drop";
    public static readonly string[] Names = [Proposal, Executed, Drop];

    public static RecoveryRelabel Parse(string name) => name switch
    {
        Proposal => RecoveryRelabel.Proposal,
        Executed => RecoveryRelabel.Executed,
        Drop => RecoveryRelabel.Drop,
        _ => throw new Errors.BadInputException($"--recovery-relabel must be one of {string.Join(", ", Names)}, got '{name}'"),
    };

    public static string Name(RecoveryRelabel relabel) => relabel switch
    {
        RecoveryRelabel.Executed => Executed,
        RecoveryRelabel.Drop => Drop,
        _ => Proposal,
    };
}

/// <summary>The `--recovery-objective` names of <see cref="RecoveryObjective"/>, in one place for every command.</summary>
public static class RecoveryObjectives
{
    public const string Risk = "risk";
    public const string Margin = "margin";
    public static readonly string[] Names = [Risk, Margin];

    public static RecoveryObjective Parse(string name) => name switch
    {
        Risk => RecoveryObjective.Risk,
        Margin => RecoveryObjective.Margin,
        _ => throw new Errors.BadInputException($"--recovery-objective must be one of {string.Join(", ", Names)}, got '{name}'"),
    };

    public static string Name(RecoveryObjective objective) => objective == RecoveryObjective.Margin ? Margin : Risk;
}
