using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.Methods;

/// <summary>
/// Recovery RL (thesis Algorithm 1): the task policy is unconstrained; when its proposal leaves
/// T_safe = {Q_risk(s, a) &lt;= eps_risk}, the recovery policy's action executes instead, unchecked.
/// The task buffer keeps a_task (the runner's relabelling), so the task policy learns as if its
/// proposal ran; the recovery policy keeps learning from the critic's batches (model-free) or its
/// dynamics model from the critic buffer (model-based). With a hold (<see cref="SafetySettings.RecoveryHold"/>
/// &gt; 1) the recovery policy keeps control for that many steps after the switch fires; the runner
/// relabels held steps like any other recovery step, since it always asks the task policy for a_task.
/// With <see cref="SafetySettings.RecoveryGamma"/> the model-free recovery policy minimises its own
/// longer-horizon critic; with <see cref="SafetySettings.RecoveryObjective"/> Margin the recovery action is
/// a <see cref="MarginRecoveryAgent"/>'s. The switch here always reads Q_risk.
/// </summary>
public sealed class RecoveryRlMethod(SafetyCritic critic, SquashedActionBox box, float epsRisk, IOnlineRecovery recovery, int hold = 1) : ISafetyMethod
{
    private readonly float[] _risk = new float[1];
    private readonly RecoveryHold _hold = new(hold);

    public static RecoveryRlMethod Create(SafetyMethodContext context)
    {
        var critic = context.Critic;
        if (context.Safety.RecoveryGamma is not null) RecoveryCritic.CheckModelFree(context.Options.Recovery);
        MarginRecoveryAgent.CheckSupported(context.Options.Recovery, context.Safety, context.Start.Cloning is not null);
        IOnlineRecovery recovery = context.Safety.RecoveryObjective == RecoveryObjective.Margin
            ? context.Start.MarginRecovery ?? throw new BadInputException("--recovery-objective margin needs a margin recovery agent in the run's start (experiment mesa and offsafe online pretrain one)")
            : context.Options.Recovery == RecoveryKind.ModelFree
            ? new ModelFreeRecovery(context.Start.Recovery ?? throw new BadInputException("model-free Recovery RL needs a recovery policy"),
                critic, context.Safety, context.Start.Cloning, context.Start.RecoveryCritic, context.Options.Compute)
            : new ModelBasedRecovery(critic, context.Box, context.Observations, context.Options.Pets, context.Random);
        return new RecoveryRlMethod(critic, context.Box, context.Safety.EpsRisk, recovery, context.Safety.RecoveryHold);
    }

    public void BeginEpisode() => _hold.Reset();

    public bool Shield(ReadOnlySpan<float> obs, Span<float> action)
    {
        if (!_hold.Holding())
        {
            critic.Score(obs, action, 1, _risk);
            if (!_hold.Check(_risk[0], epsRisk)) return false;
        }
        recovery.Act(obs, action);
        box.Clip(action);
        return true;
    }

    public void AfterCriticUpdate(long steps, CriticBatch criticBatch, ReplayBuffer criticBuffer, Xoshiro256StarStar random) =>
        recovery.Learn(criticBatch, criticBuffer, random);
}
