using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Recovery;

/// <summary>
/// One Adam step of L_pirec = E_s max_h Q_risk(s, pi_rec(s)) (Recovery RL, model-free recovery):
/// the reparameterised action is pushed down the critic's risk surface. The gradient flows from
/// the critic's input (its action columns) through the box scaling, the tanh and the Gaussian
/// reparameterisation into the policy network; the critic itself is not changed.
/// </summary>
public sealed class RecoveryPolicyUpdate
{
    private readonly RecoveryPolicy _policy;
    private readonly SafetyCritic _critic;
    private readonly MlpPass _policyPass;
    private readonly MlpPass _criticPass;
    private readonly float[] _obs;
    private readonly float[] _criticInput;
    private readonly float[] _noise;
    private readonly float[] _squashed;
    private readonly Adam _adam;

    public RecoveryPolicyUpdate(RecoveryPolicy policy, SafetyCritic critic, int batchSize, float learningRate)
    {
        _policy = policy;
        _critic = critic;
        _policyPass = new MlpPass(policy.Shape, batchSize);
        _criticPass = new MlpPass(critic.Shape, batchSize);
        _obs = new float[batchSize * critic.ObsDim];
        _criticInput = new float[batchSize * (critic.ObsDim + critic.ActDim)];
        _noise = new float[batchSize * critic.ActDim];
        _squashed = new float[batchSize * critic.ActDim];
        _adam = new Adam([policy.Parameters], learningRate);
    }

    /// <summary>Trains on the observations of <paramref name="batch"/>; returns the mean risk of the sampled actions.</summary>
    public float Step(CriticBatch batch, Xoshiro256StarStar random)
    {
        int rows = batch.Size, od = batch.ObsDim, ad = batch.ActDim, width = od + ad, heads = _critic.Heads;
        for (int i = 0; i < rows; i++) batch.ObsOf(i).CopyTo(_obs.AsSpan(i * od, od));

        var head = _policyPass.Forward(_policy.Parameters.Data, _obs, rows);
        for (int i = 0; i < rows; i++)
        {
            batch.ObsOf(i).CopyTo(_criticInput.AsSpan(i * width, od));
            for (int d = 0; d < ad; d++)
            {
                float mean = head[i * 2 * ad + d];
                float logStd = Math.Clamp(head[i * 2 * ad + ad + d], RecoveryPolicy.LogStdMin, RecoveryPolicy.LogStdMax);
                float eps = (float)random.NextNormal();
                float a = MathF.Tanh(mean + MathF.Exp(logStd) * eps);
                _noise[i * ad + d] = eps;
                _squashed[i * ad + d] = a;
                _criticInput[i * width + od + d] = _policy.ToNormalizedAction(a, d);
            }
        }

        var q = _criticPass.Forward(_critic.Parameters.Data, _criticInput, rows);
        double risk = SafetyCritic.PessimisticMaxGradient(q, heads, rows, 1f / rows, _criticPass.OutputGradient);
        _criticPass.Backward(_critic.Parameters.Data, Span<float>.Empty, accumulate: false, inputGradient: true);
        var dInput = _criticPass.InputGradient;

        var dHead = _policyPass.OutputGradient;
        for (int i = 0; i < rows; i++)
            for (int d = 0; d < ad; d++)
            {
                float a = _squashed[i * ad + d];
                float du = dInput[i * width + od + d] * _policy.NormalizedActionSlope(d) * (1f - a * a);
                float rawLogStd = head[i * 2 * ad + ad + d];
                bool clamped = rawLogStd < RecoveryPolicy.LogStdMin || rawLogStd > RecoveryPolicy.LogStdMax;
                dHead[i * 2 * ad + d] = du;
                dHead[i * 2 * ad + ad + d] = clamped ? 0f : du * _noise[i * ad + d] * MathF.Exp(rawLogStd);
            }
        _policyPass.Backward(_policy.Parameters.Data, _policy.Parameters.EnsureGrad(), accumulate: false);
        _adam.Step();
        return (float)(risk / rows);
    }
}
