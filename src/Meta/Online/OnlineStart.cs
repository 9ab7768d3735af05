using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online.DualAgent;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Meta.Safer;

namespace OfflineSafety.Meta.Online;

/// <summary>What the run starts from: a safety critic (and recovery policy), and offline rows that seed the critic buffer.</summary>
public sealed record OnlineStart(SafetyCritic? Critic, RecoveryPolicy? Recovery, TransitionBatch? Offline)
{
    /// <summary>The frozen skill prior SAFER (and PARROT) act through; only `safer` reads it.</summary>
    public SkillPrior? Prior { get; init; }
    /// <summary>Dual-agent correction's fixed baseline (a controller or a stored actor); null: a TD3 baseline learns alongside.</summary>
    public FixedBaseline? Baseline { get; init; }
    /// <summary>Behaviour cloning of the model-free recovery policy towards saved restart actions (`--recovery-bc`); null: risk term only.</summary>
    public RecoveryCloning? Cloning { get; init; }
    /// <summary>The recovery critic when <see cref="SafetySettings.RecoveryGamma"/> is set (adapted alongside the recovery policy; trained online in place, like <see cref="Recovery"/>); null: a copy of <see cref="Critic"/>.</summary>
    public SafetyCritic? RecoveryCritic { get; init; }
    /// <summary>The pretrained margin recovery agent when <see cref="SafetySettings.RecoveryObjective"/> is Margin (trained online in place); it then replaces <see cref="Recovery"/>.</summary>
    public MarginRecoveryAgent? MarginRecovery { get; init; }
}
