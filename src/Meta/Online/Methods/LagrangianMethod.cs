namespace OfflineSafety.Meta.Online.Methods;

/// <summary>
/// Lagrangian relaxation (LR): the actor minimises its SAC loss + lambda E Q_risk(s, pi(s)), and
/// lambda follows dual descent towards E Q_risk = eps_risk.
/// </summary>
public sealed class LagrangianMethod(SafetyMethodContext context) : ISafetyMethod
{
    private readonly ActorRiskPenalty _penalty = new(context.Critic, context.Box, context.Options.Sac.BatchSize, context.Options.Compute);
    private readonly LagrangeMultiplier _multiplier = new(context.Safety.LagrangeLambda, context.Safety.EpsRisk, context.Safety.LagrangeLearningRate);

    public IActorPenalty? BeforeTaskUpdate(SacBatch batch, ReplayBuffer taskBuffer)
    {
        _penalty.Lambda = _multiplier.Value;
        return _penalty;
    }

    // The dual step reads the risk of the actor's actions in the batch just used.
    public void AfterTaskUpdate() => _multiplier.Update(_penalty.LastMeanRisk);

    public float Lambda => _multiplier.Value;
}
