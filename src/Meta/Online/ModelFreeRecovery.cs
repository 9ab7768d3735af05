using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// Model-free recovery: Meta's <see cref="RecoveryPolicy"/> acting through <see cref="RecoveryActor"/>,
/// trained against the current critic on the states of each critic batch (Recovery RL's
/// min_a Q_risk(s, a) objective).
/// </summary>
public sealed class ModelFreeRecovery(RecoveryPolicy policy, SafetyCritic critic, SafetySettings safety) : IOnlineRecovery
{
    private readonly RecoveryActor _actor = new(policy);
    private readonly RecoveryPolicyUpdate _update = new(policy, critic, safety.CriticBatchSize, safety.RecoveryLearningRate);

    public void Act(ReadOnlySpan<float> obs, Span<float> action) => _actor.Act(obs, action);

    public void Learn(CriticBatch criticBatch, ReplayBuffer criticBuffer, Xoshiro256StarStar random) => _update.Step(criticBatch, random);
}
