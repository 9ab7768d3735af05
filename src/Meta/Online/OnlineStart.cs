using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online.DualAgent;
using OfflineSafety.Meta.Recovery;

namespace OfflineSafety.Meta.Online;

/// <summary>What the run starts from: a safety critic (and recovery policy), and offline rows that seed the critic buffer.</summary>
public sealed record OnlineStart(SafetyCritic? Critic, RecoveryPolicy? Recovery, TransitionBatch? Offline)
{
    /// <summary>Dual-agent correction's fixed baseline (a controller or a stored actor); null: a TD3 baseline learns alongside.</summary>
    public FixedBaseline? Baseline { get; init; }
}
