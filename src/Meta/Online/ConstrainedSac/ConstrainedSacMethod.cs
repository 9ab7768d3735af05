using OfflineSafety.Meta.Online.DualAgent;
using OfflineSafety.Meta.Online.Methods;

namespace OfflineSafety.Meta.Online.ConstrainedSac;

/// <summary>
/// Constrained SAC (Knight and Achiam, Appendix D) on the runner's SAC: before each SAC update the
/// cost critic Q_c takes its Bellman step; the actor loss gains beta E Q_c(s, pi(s)); after it, beta
/// ascends on the scaled E Q_c minus the limit (<see cref="ConstrainedSacSettings.Scale"/>). The
/// previous reward and cost reach the networks as observation columns when the environment is
/// wrapped in <see cref="Envs.Transfer.FeedbackObservations"/>.
/// </summary>
public sealed class ConstrainedSacMethod : ISafetyMethod
{
    private readonly SafetyMethodContext _context;
    private readonly ConstrainedSacSettings _settings;
    private readonly CostCritic _cost;
    private readonly ProjectedMultiplier _beta;

    public ConstrainedSacMethod(SafetyMethodContext context)
    {
        _context = context;
        _settings = context.Options.ConstrainedSac;
        _cost = new CostCritic(context.Observations.ObsDim, context.Box.Dim, context.Options.Sac, _settings, context.Random);
        _beta = new ProjectedMultiplier(_settings.BetaLearningRate, _settings.InitialBeta);
    }

    public CostCritic Cost => _cost;

    public IActorPenalty? BeforeTaskUpdate(SacBatch batch, ReplayBuffer taskBuffer)
    {
        _cost.Update(batch, taskBuffer, _context.Policy, _context.Random);
        _cost.Beta = _beta.Value;
        return _cost;
    }

    public void AfterTaskUpdate() => _beta.Ascend(_settings.Scaled(_cost.LastMeanCost) - _settings.CostLimit);

    public float Lambda => _beta.Value;
}
