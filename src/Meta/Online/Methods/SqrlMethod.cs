using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.Methods;

/// <summary>
/// SQRL (Srinivasan et al. 2020): LR's penalty and dual descent, plus an action filter at proposal
/// time (k samples from pi, keep Q_risk &lt;= eps). The filter acts only while training; evaluation
/// executes the deterministic actor as is.
/// </summary>
public sealed class SqrlMethod(SafetyMethodContext context) : ISafetyMethod
{
    private readonly ActorRiskPenalty _penalty = new(context.Critic, context.Box, context.Options.Sac.BatchSize, context.Options.Compute);
    private readonly LagrangeMultiplier _multiplier = new(context.Safety.LagrangeLambda, context.Safety.EpsRisk, context.Safety.LagrangeLearningRate);
    private readonly SqrlFilter _filter = new(context.Policy, context.Critic, context.Safety.SqrlSamples);
    private readonly float _eps = context.Safety.EpsRisk;

    public void Propose(SoftActorCritic policy, ReadOnlySpan<float> obs, Span<float> action, Xoshiro256StarStar random) =>
        _filter.Act(obs, _eps, action, random);

    public IActorPenalty? BeforeTaskUpdate(SacBatch batch, ReplayBuffer taskBuffer)
    {
        _penalty.Lambda = _multiplier.Value;
        return _penalty;
    }

    public void AfterTaskUpdate() => _multiplier.Update(_penalty.LastMeanRisk);

    public float Lambda => _multiplier.Value;
}
