using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// The Lagrangian baselines' actor term lambda E_s Q_risk(s, pi(s)): its gradient in the squashed
/// action u runs back through the safety critic's network (input gradient of the pessimistic head)
/// and the box and normalisation scalings. Also records the batch's mean risk, which the
/// multiplier update needs.
/// </summary>
public sealed class ActorRiskPenalty : IActorPenalty
{
    private readonly SafetyCritic _critic;
    private readonly SquashedActionBox _box;
    private readonly MlpPass _pass;
    private readonly float[] _input;
    private readonly float[] _raw;

    public ActorRiskPenalty(SafetyCritic critic, SquashedActionBox box, int batchSize, ComputeOptions? compute = null)
    {
        _critic = critic;
        _box = box;
        _pass = new MlpPass(critic.Shape, batchSize, compute);
        _input = new float[batchSize * (critic.ObsDim + critic.ActDim)];
        _raw = new float[critic.ActDim];
    }

    /// <summary>lambda, set by the caller before each update.</summary>
    public float Lambda { get; set; }

    /// <summary>E Q_risk(s, pi(s)) over the latest batch.</summary>
    public float LastMeanRisk { get; private set; }

    public void Gradient(SacBatch batch, ReadOnlySpan<float> squashedActions, Span<float> gradient)
    {
        int rows = batch.Size, od = batch.ObsDim, ad = batch.ActDim, width = od + ad, heads = _critic.Heads;
        var n = _critic.Normalization;
        for (int i = 0; i < rows; i++)
        {
            // Task batches are normalised with the critic's normalisation, so the obs columns copy across.
            batch.Obs.AsSpan(i * od, od).CopyTo(_input.AsSpan(i * width, od));
            _box.ToEnvironment(squashedActions.Slice(i * ad, ad), _raw);
            n.NormalizeAction(_raw, _input.AsSpan(i * width + od, ad));
        }
        var q = _pass.Forward(_critic.Parameters.Data, _input, rows);
        double risk = SafetyCritic.PessimisticMaxGradient(q, heads, rows, Lambda / rows, _pass.OutputGradient);
        LastMeanRisk = (float)(risk / rows);
        _pass.Backward(_critic.Parameters.Data, Span<float>.Empty, accumulate: false, inputGradient: true);
        var dInput = _pass.InputGradient;
        for (int i = 0; i < rows; i++)
            for (int d = 0; d < ad; d++)
                gradient[i * ad + d] = dInput[i * width + od + d] * _box.Slope(d) / n.ActionStd[d];
    }
}
