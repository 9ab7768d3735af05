using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// Model-free recovery: Meta's <see cref="RecoveryPolicy"/> acting through <see cref="RecoveryActor"/>,
/// trained against the current critic on the states of each critic batch (Recovery RL's
/// min_a Q_risk(s, a) objective), plus behaviour cloning towards saved restart actions when the
/// start carries a <see cref="RecoveryCloning"/> (the offline pretraining's term, kept online so the
/// risk-only updates do not wash it out).
/// </summary>
public sealed class ModelFreeRecovery(RecoveryPolicy policy, SafetyCritic critic, SafetySettings safety, RecoveryCloning? cloning = null) : IOnlineRecovery
{
    private readonly RecoveryActor _actor = new(policy);
    private readonly RecoveryPolicyUpdate _update = new(policy, critic, safety.CriticBatchSize, safety.RecoveryLearningRate, cloning);

    public void Act(ReadOnlySpan<float> obs, Span<float> action) => _actor.Act(obs, action);

    public void Learn(CriticBatch criticBatch, ReplayBuffer criticBuffer, Xoshiro256StarStar random) => _update.Step(criticBatch, random);
}
