using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.Methods;

/// <summary>
/// One safety method on the shared SAC loop (Recovery RL, or a baseline of thesis ch. 5). The
/// runner owns the environment loop, the task policy, both replay buffers, the safety-critic update
/// and the transition log; a method only says where it departs from plain SAC, through these hooks,
/// in the order the runner calls them each environment step. The defaults are plain SAC's, so a
/// method writes only its departures. Hooks run every step and must not allocate.
/// </summary>
public interface ISafetyMethod
{
    /// <summary>A new episode starts (training or evaluation): methods with per-episode memory (SAFER's state window) clear it.</summary>
    void BeginEpisode() { }

    /// <summary>a_task for a raw observation, once the uniform random warm-up is over (SQRL filters it).</summary>
    void Propose(SoftActorCritic policy, ReadOnlySpan<float> obs, Span<float> action, Xoshiro256StarStar random) =>
        policy.Act(obs, action, deterministic: false, random);

    /// <summary>The action evaluation runs (before <see cref="Shield"/>): the task policy's deterministic one by default.</summary>
    void Exploit(SoftActorCritic policy, ReadOnlySpan<float> obs, Span<float> action, Xoshiro256StarStar random) =>
        policy.Act(obs, action, deterministic: true, random);

    /// <summary>
    /// The safety layer between proposal and execution: replaces <paramref name="action"/> (a_task on
    /// entry) with what executes, and says whether it did. Also runs in evaluation.
    /// </summary>
    bool Shield(ReadOnlySpan<float> obs, Span<float> action) => false;

    /// <summary>
    /// An on-policy method (PPO-Lagrangian) learns from its own rollouts, gathered in <see cref="AfterStep"/>:
    /// the runner gives it no uniform warm-up (its log-probabilities must be the policy's) and no replay
    /// batches (<see cref="UpdateTaskPolicy"/> is never called).
    /// </summary>
    bool OnPolicy => false;

    /// <summary>The executed step's outcome, right after the environment returned it (on-policy methods fill their rollout).</summary>
    void AfterStep(ReadOnlySpan<float> next, float reward, float cost, bool terminal, bool truncated) { }

    /// <summary>The reward the task buffer stores for a step (the critic buffer keeps the true one).</summary>
    float TaskReward(float reward, float cost) => reward;

    /// <summary>
    /// The method's own learning right after the shared safety-critic update of environment step
    /// <paramref name="steps"/> (recovery policy, dynamics model, schedules), on that update's batch.
    /// Methods that read no critic get no critic update and so no call.
    /// </summary>
    void AfterCriticUpdate(long steps, CriticBatch criticBatch, ReplayBuffer criticBuffer, Xoshiro256StarStar random) { }

    /// <summary>
    /// Before the SAC update: may reshape the batch's rewards (the critic target) and returns the
    /// actor-loss penalty, if any, with its lambda set.
    /// </summary>
    IActorPenalty? BeforeTaskUpdate(SacBatch batch, ReplayBuffer taskBuffer) => null;

    /// <summary>After the SAC update: the dual step on lambda.</summary>
    void AfterTaskUpdate() { }

    /// <summary>
    /// The learning step on one task batch: plain SAC between <see cref="BeforeTaskUpdate"/> and
    /// <see cref="AfterTaskUpdate"/>. A method with learners of its own (dual-agent correction)
    /// replaces it and then also owns <see cref="Propose"/> and <see cref="Exploit"/>.
    /// </summary>
    void UpdateTaskPolicy(SoftActorCritic policy, SacBatch batch, ReplayBuffer taskBuffer, Xoshiro256StarStar random)
    {
        var penalty = BeforeTaskUpdate(batch, taskBuffer);
        policy.Update(batch, penalty, random);
        AfterTaskUpdate();
    }

    /// <summary>The current lambda, for reports (NaN for methods without one).</summary>
    float Lambda => float.NaN;
}
