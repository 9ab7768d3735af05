using OfflineSafety.Meta.Critics;

namespace OfflineSafety.Meta.Online.Methods;

/// <summary>
/// RCPO: the risk enters the critic target instead of the actor loss, r' = r - lambda Q_risk(s, a)
/// for the batch's stored (proposed) actions, with lambda by LR's dual descent on the batch's mean
/// Q_risk(s, a).
/// </summary>
public sealed class RcpoMethod(SafetyMethodContext context) : ISafetyMethod
{
    private readonly SafetyCritic _critic = context.Critic;
    private readonly LagrangeMultiplier _multiplier = new(context.Safety.LagrangeLambda, context.Safety.EpsRisk, context.Safety.LagrangeLearningRate);
    private readonly float[] _obs = new float[context.Options.Sac.BatchSize * context.Observations.ObsDim];
    private readonly float[] _actions = new float[context.Options.Sac.BatchSize * context.Box.Dim];
    private readonly float[] _risk = new float[context.Options.Sac.BatchSize];

    public IActorPenalty? BeforeTaskUpdate(SacBatch batch, ReplayBuffer taskBuffer)
    {
        // The critic scores raw rows, so the batch's normalised, squashed copies will not do.
        int od = batch.ObsDim, ad = batch.ActDim;
        for (int i = 0; i < batch.Size; i++)
        {
            taskBuffer.ObsRow(batch.Rows[i]).CopyTo(_obs.AsSpan(i * od, od));
            taskBuffer.ActionRow(batch.Rows[i]).CopyTo(_actions.AsSpan(i * ad, ad));
        }
        _critic.Score(_obs, _actions, batch.Size, _risk);
        float lambda = _multiplier.Value;
        for (int i = 0; i < batch.Size; i++) batch.Reward[i] -= lambda * _risk[i];
        return null;
    }

    public void AfterTaskUpdate() => _multiplier.Update(Mean(_risk));

    public float Lambda => _multiplier.Value;

    private static float Mean(ReadOnlySpan<float> values)
    {
        double s = 0;
        foreach (var v in values) s += v;
        return values.Length == 0 ? 0 : (float)(s / values.Length);
    }
}
