using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.Methods;

/// <summary>
/// RSPO: LR's actor penalty with a scheduled instead of a learned lambda, falling linearly from 2x
/// the LR lambda at step 0 to 0 at the end of the step budget (safety first, then the task).
/// </summary>
public sealed class RspoMethod(SafetyMethodContext context) : ISafetyMethod
{
    private readonly ActorRiskPenalty _penalty = new(context.Critic, context.Box, context.Options.Sac.BatchSize, context.Options.Compute);
    private readonly float _initialLambda = 2f * context.Safety.LagrangeLambda;
    private readonly long _budget = context.StepBudget;
    private long _steps;

    public void AfterCriticUpdate(long steps, CriticBatch criticBatch, ReplayBuffer criticBuffer, Xoshiro256StarStar random) => _steps = steps;

    public IActorPenalty? BeforeTaskUpdate(SacBatch batch, ReplayBuffer taskBuffer)
    {
        _penalty.Lambda = Lambda;
        return _penalty;
    }

    public float Lambda => _initialLambda * MathF.Max(0f, 1f - _steps / (float)_budget);
}
