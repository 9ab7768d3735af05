using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// Model-free recovery: Meta's <see cref="RecoveryPolicy"/> acting through <see cref="RecoveryActor"/>,
/// trained against the current critic on the states of each critic batch (Recovery RL's
/// min_a Q_risk(s, a) objective), plus behaviour cloning towards saved restart actions when the
/// start carries a <see cref="RecoveryCloning"/> (the offline pretraining's term, kept online so the
/// risk-only updates do not wash it out). With <see cref="SafetySettings.RecoveryGamma"/> it minimises
/// its own <see cref="RecoveryCritic"/> instead: <paramref name="recoveryStart"/> trained in place, like the
/// policy (null: a copy of <paramref name="critic"/>), one TD step on each critic batch before the policy step.
/// </summary>
public sealed class ModelFreeRecovery : IOnlineRecovery
{
    private readonly RecoveryActor _actor;
    private readonly RecoveryCritic? _recoveryCritic;
    private readonly RecoveryPolicyUpdate _update;

    public ModelFreeRecovery(RecoveryPolicy policy, SafetyCritic critic, SafetySettings safety, RecoveryCloning? cloning = null, SafetyCritic? recoveryStart = null,
        ComputeOptions? compute = null)
    {
        _actor = new RecoveryActor(policy);
        if (safety.RecoveryGamma is { } gamma)
            _recoveryCritic = new RecoveryCritic(recoveryStart ?? critic.Clone(), policy, gamma, safety.CriticBatchSize, safety.CriticLearningRate, safety.TargetRate, compute);
        _update = new RecoveryPolicyUpdate(policy, _recoveryCritic?.Critic ?? critic, safety.CriticBatchSize, safety.RecoveryLearningRate, cloning, compute);
    }

    /// <summary>The recovery policy's own objective critic; null without a recovery gamma.</summary>
    public RecoveryCritic? RecoveryCritic => _recoveryCritic;

    public void Act(ReadOnlySpan<float> obs, Span<float> action) => _actor.Act(obs, action);

    public void Learn(CriticBatch criticBatch, ReplayBuffer criticBuffer, Xoshiro256StarStar random)
    {
        _recoveryCritic?.Step(criticBatch);
        _update.Step(criticBatch, random);
    }
}
