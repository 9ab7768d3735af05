using System.CommandLine;
using System.Globalization;
using OfflineSafety.Meta.Online;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// The recovery policy's opt-in flags, shared by `online --algo recovery` and `experiment mesa` so that
/// both declare them, with their defaults, once (their checks live beside the settings they feed:
/// <see cref="RecoverySwitch.CheckHold"/>, <see cref="RecoveryObjectives.Parse"/>, <see cref="RecoveryRelabels.Parse"/>, <see cref="SafetySettings.ParseRecoveryPenalty"/>, the recovery critic's).
/// </summary>
internal sealed class RecoveryRlOptions
{
    public Option<int> Hold { get; } = new("--recovery-hold")
    {
        Description = "Steps the recovery policy keeps control once the switch fires, unless the episode ends (1: the paper's per-step switch, default; docs/meta.md).",
        DefaultValueFactory = _ => 1,
    };

    public Option<float?> Gamma { get; } = new("--recovery-gamma")
    {
        Description = "Give the model-free recovery policy its own critic with this discount in (0, 1) (e.g. 0.95, 0.99) as its objective, trained on the risk critic's batches (adaptation and online); the switch keeps Q_risk (default: off, the recovery policy minimises Q_risk; docs/meta.md).",
    };

    public Option<string> Objective { get; } = CreateObjective();

    public Option<string> Relabel { get; } = CreateRelabel();

    // A string, as --recovery-relabel: System.CommandLine's refusal of a non-number spans several lines; SafetySettings.ParseRecoveryPenalty refuses in one.
    public Option<string> Penalty { get; } = new("--recovery-penalty")
    {
        Description = "Take this lambda >= 0 off the task policy's stored reward on every step the recovery action ran, so it learns to stop proposing what the switch overrides (0: the paper's, default; applies to whatever --recovery-relabel stores, and drop stores nothing; docs/meta.md).",
        DefaultValueFactory = _ => "0",
    };

    public IEnumerable<Option> All => [Hold, Gamma, Objective, Relabel, Penalty];

    /// <summary>The variation these flags ask for (checked when it is applied: <see cref="RecoveryRlVariation.ApplyTo"/>).</summary>
    public RecoveryRlVariation Variation(ParseResult p) => new()
    {
        Hold = p.GetValue(Hold),
        Gamma = p.GetValue(Gamma),
        Objective = RecoveryObjectives.Parse(p.GetValue(Objective)!),
        Relabel = RecoveryRelabels.Parse(p.GetValue(Relabel)!),
        Penalty = SafetySettings.ParseRecoveryPenalty(p.GetValue(Penalty)!),
    };

    /// <summary>
    /// The flags that reproduce <paramref name="v"/>, each with a leading space, none for the paper's
    /// rule; in the order reports have always written them, which `experiment combine` compares.
    /// </summary>
    public static string Flags(RecoveryRlVariation v) =>
        (v.Hold is not 1 ? $" --recovery-hold {v.Hold}" : "")
        + (v.Gamma is { } g ? $" --recovery-gamma {g.ToString(CultureInfo.InvariantCulture)}" : "")
        + (v.Objective != RecoveryObjective.Risk ? $" --recovery-objective {RecoveryObjectives.Name(v.Objective)}" : "")
        + (v.MarginPretrainSteps is { } ms ? $" --recovery-pretrain-steps {ms}" : "")
        + (v.MarginFrozen ? " --recovery-freeze" : "")
        + (v.Relabel != RecoveryRelabel.Proposal ? $" --recovery-relabel {RecoveryRelabels.Name(v.Relabel)}" : "")
        + (v.Penalty != 0 ? $" --recovery-penalty {v.Penalty.ToString(CultureInfo.InvariantCulture)}" : "");

    // No AcceptOnlyFromAmong: its refusal spans several lines; RecoveryRelabels.Parse refuses in one.
    private static Option<string> CreateRelabel() => new("--recovery-relabel")
    {
        Description = "What the task policy's buffer stores on a step the recovery action ran: proposal (the task policy's own action, the paper's relabelling, default) | executed (the recovery action that ran, the paper's no-relabelling ablation) | drop (no task row for that step, a diagnostic; docs/meta.md).",
        DefaultValueFactory = _ => RecoveryRelabels.Proposal,
    };

    private static Option<string> CreateObjective()
    {
        var option = new Option<string>("--recovery-objective")
        {
            Description = "What the model-free recovery action is trained on: risk (min Q_risk, the paper's, default) | margin (a second SAC agent on the constraint's margin, e.g. the head's height, with the violation terminal; pretrained on the offline rows, trained online; needs an environment with a margin; docs/meta.md).",
            DefaultValueFactory = _ => RecoveryObjectives.Risk,
        };
        option.AcceptOnlyFromAmong(RecoveryObjectives.Names);
        return option;
    }
}
