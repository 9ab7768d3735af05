namespace OfflineSafety.Meta.Online;

/// <summary>
/// The opt-in changes to the paper's Recovery RL that a run may ask for (`--recovery-hold`,
/// `--recovery-gamma`, `--recovery-objective`, `--recovery-pretrain-steps`, `--recovery-freeze`,
/// `--recovery-relabel`, `--recovery-penalty`), each defaulting to the paper's rule
/// (<see cref="Paper"/>). Every front end (`online --algo recovery`, `experiment mesa`) hands one of
/// these over and <see cref="ApplyTo"/> turns it into <see cref="SafetySettings"/> in one place, checking
/// each value with a one-line refusal naming its flag.
/// </summary>
public sealed record RecoveryRlVariation
{
    /// <summary>No change: the paper's per-step switch, Q_risk objective, proposal relabelling, no penalty.</summary>
    public static RecoveryRlVariation Paper { get; } = new();

    /// <summary><see cref="SafetySettings.RecoveryHold"/>.</summary>
    public int Hold { get; init; } = 1;

    /// <summary><see cref="SafetySettings.RecoveryGamma"/>; null: off.</summary>
    public float? Gamma { get; init; }

    /// <summary><see cref="SafetySettings.RecoveryObjective"/>.</summary>
    public RecoveryObjective Objective { get; init; } = RecoveryObjective.Risk;

    /// <summary><see cref="SafetySettings.RecoveryMarginPretrainSteps"/>; null: the run's pretraining steps.</summary>
    public int? MarginPretrainSteps { get; init; }

    /// <summary><see cref="SafetySettings.RecoveryMarginFrozen"/>.</summary>
    public bool MarginFrozen { get; init; }

    /// <summary><see cref="SafetySettings.RecoveryRelabel"/>.</summary>
    public RecoveryRelabel Relabel { get; init; } = RecoveryRelabel.Proposal;

    /// <summary><see cref="SafetySettings.RecoveryPenalty"/>.</summary>
    public float Penalty { get; init; }

    /// <summary><paramref name="safety"/> with this variation's recovery settings, each checked.</summary>
    public SafetySettings ApplyTo(SafetySettings safety)
    {
        if (MarginPretrainSteps is < 0) throw new Errors.BadInputException($"--recovery-pretrain-steps must be at least 0, got {MarginPretrainSteps}");
        if (Objective != RecoveryObjective.Margin && MarginPretrainSteps is not null)
            throw new Errors.BadInputException("--recovery-pretrain-steps applies to --recovery-objective margin only");
        if (Objective != RecoveryObjective.Margin && MarginFrozen)
            throw new Errors.BadInputException("--recovery-freeze applies to --recovery-objective margin only");
        return safety with
        {
            RecoveryHold = RecoverySwitch.CheckHold(Hold),
            RecoveryGamma = Gamma is { } g ? Recovery.RecoveryCritic.CheckGamma(g) : null,
            RecoveryObjective = Objective,
            RecoveryMarginPretrainSteps = MarginPretrainSteps,
            RecoveryMarginFrozen = MarginFrozen,
            RecoveryRelabel = Relabel,
            RecoveryPenalty = SafetySettings.CheckRecoveryPenalty(Penalty),
        };
    }

    /// <summary>
    /// The flag of the first change from the paper's rule, for refusing a variation where no Recovery RL
    /// run reads it; null when this is <see cref="Paper"/>.
    /// </summary>
    public string? FirstChangedFlag() =>
        Gamma is not null ? "--recovery-gamma"
        : Hold != 1 ? "--recovery-hold"
        : Objective != RecoveryObjective.Risk ? $"--recovery-objective {RecoveryObjectives.Name(Objective)}"
        : Relabel != RecoveryRelabel.Proposal ? $"--recovery-relabel {RecoveryRelabels.Name(Relabel)}"
        : Penalty != 0 ? "--recovery-penalty"
        : MarginPretrainSteps is not null ? "--recovery-pretrain-steps"
        : MarginFrozen ? "--recovery-freeze"
        : null;
}
