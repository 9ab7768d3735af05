using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Recovery;

/// <summary>
/// One Adam step of L_pirec = E_s max_h Q_risk(s, pi_rec(s)) (Recovery RL, model-free recovery):
/// the reparameterised action is pushed down the critic's risk surface. The gradient flows from
/// the critic's input (its action columns) through the box scaling, the tanh and the Gaussian
/// reparameterisation into the policy network; the critic itself is not changed. With a
/// <see cref="RecoveryCloning"/> each step also draws a batch of its demonstrations and adds the
/// behaviour-cloning term on the deterministic action tanh(mean) (the log_std head is left to the
/// risk term); without one the step is exactly the risk step and draws nothing extra.
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
    private readonly RecoveryCloning? _cloning;
    private readonly MlpPass? _cloningPass;
    private readonly float[] _demoObs = [];
    private readonly float[] _demoTarget = [];
    private readonly float[] _cloningInput = [];
    private readonly int[] _cloningRows = [];

    public RecoveryPolicyUpdate(RecoveryPolicy policy, SafetyCritic critic, int batchSize, float learningRate, RecoveryCloning? cloning = null,
        ComputeOptions? compute = null)
    {
        _policy = policy;
        _critic = critic;
        _policyPass = new MlpPass(policy.Shape, batchSize, compute);
        _criticPass = new MlpPass(critic.Shape, batchSize, compute);
        _obs = new float[batchSize * critic.ObsDim];
        _criticInput = new float[batchSize * (critic.ObsDim + critic.ActDim)];
        _noise = new float[batchSize * critic.ActDim];
        _squashed = new float[batchSize * critic.ActDim];
        _adam = new Adam([policy.Parameters], learningRate, compute: compute);
        if (cloning is null) return;
        _cloning = cloning;
        var demos = cloning.Demonstrations;
        if (demos.ObsDim != critic.ObsDim || demos.ActDim != critic.ActDim)
            throw new ArgumentException($"demonstrations are {demos.ObsDim}+{demos.ActDim} wide, the critic {critic.ObsDim}+{critic.ActDim}");
        int od = critic.ObsDim, ad = critic.ActDim, count = demos.Count;
        var n = policy.Normalization;
        _demoObs = new float[count * od];
        _demoTarget = new float[count * ad];
        for (int i = 0; i < count; i++)
        {
            n.NormalizeObs(demos.ObsRow(i), _demoObs.AsSpan(i * od, od));
            var a = demos.ActionRow(i);
            for (int d = 0; d < ad; d++)
                _demoTarget[i * ad + d] = Math.Clamp(2f * (a[d] - n.ActionLow[d]) / (n.ActionHigh[d] - n.ActionLow[d]) - 1f, -1f, 1f);
        }
        int rows = Math.Min(batchSize, count);
        _cloningPass = new MlpPass(policy.Shape, rows, compute);
        _cloningInput = new float[rows * od];
        _cloningRows = new int[rows];
    }

    /// <summary>The behaviour-cloning loss (before beta) of the last step's demonstration batch; NaN without cloning.</summary>
    public float LastCloningLoss { get; private set; } = float.NaN;

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
        if (_cloning is not null) CloningGradient(random);
        _adam.Step();
        return (float)(risk / rows);
    }

    /// <summary>Adds beta * d/dtheta mean_i sum_d (tanh(mean_id) - target_id)^2 over a uniform demonstration batch to the gradient.</summary>
    private void CloningGradient(Xoshiro256StarStar random)
    {
        var pass = _cloningPass!;
        int rows = _cloningRows.Length, od = _critic.ObsDim, ad = _critic.ActDim, count = _demoTarget.Length / ad;
        for (int i = 0; i < rows; i++)
        {
            int r = random.NextInt(count);
            _cloningRows[i] = r;
            _demoObs.AsSpan(r * od, od).CopyTo(_cloningInput.AsSpan(i * od, od));
        }
        var head = pass.Forward(_policy.Parameters.Data, _cloningInput, rows);
        var dHead = pass.OutputGradient;
        float scale = 2f * _cloning!.Beta / rows;
        double loss = 0;
        for (int i = 0; i < rows; i++)
        {
            int r = _cloningRows[i];
            for (int d = 0; d < ad; d++)
            {
                float t = MathF.Tanh(head[i * 2 * ad + d]);
                float diff = t - _demoTarget[r * ad + d];
                loss += diff * diff;
                dHead[i * 2 * ad + d] = scale * diff * (1f - t * t);
                dHead[i * 2 * ad + ad + d] = 0f;
            }
        }
        pass.Backward(_policy.Parameters.Data, _policy.Parameters.EnsureGrad(), accumulate: true);
        LastCloningLoss = (float)(loss / rows);
    }
}
