using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Recovery;

/// <summary>
/// The model-free recovery policy's own objective critic (`--recovery-gamma`): Q_rec^pi_rec(s, a), the
/// discounted chance of a violation when a is taken and the recovery policy acts from then on, with
/// a longer discount than gamma_risk. Q_risk (gamma_risk 0.8, a horizon of about 5 steps) cannot tell
/// the recovery policy apart from one that only delays a fall by a few steps; this one can, and the
/// recovery policy minimises it instead of Q_risk. The switch keeps the paper's Q_risk.
/// It trains <c>critic</c> in place, as the recovery policy is trained in place. Callers pass a copy of
/// the critic Q_risk starts from: the ranking near violations is already learned there, and gamma_risk's
/// values are a lower bound of the longer horizon's, so TD only has to raise them. It trains on the
/// very batches the risk critic draws, with a' = pi_rec(s') (its deterministic action, the one it
/// executes) in place of the risk critic's a'.
/// </summary>
public sealed class RecoveryCritic
{
    private readonly RecoveryPolicy _policy;
    private readonly RiskTdStep _td;
    private readonly CriticBatch _batch;
    private readonly MlpPass _policyPass;
    private readonly float[] _nextObs;

    /// <param name="critic">trained in place; its target network starts as a copy of it</param>
    public RecoveryCritic(SafetyCritic critic, RecoveryPolicy policy, float gamma, int batchSize, float learningRate, float targetRate,
        ComputeOptions? compute = null)
    {
        Critic = critic;
        _policy = policy;
        _td = new RiskTdStep(Critic, batchSize, learningRate, CheckGamma(gamma), targetRate, compute);
        _batch = new CriticBatch(batchSize, critic.ObsDim, critic.ActDim);
        _policyPass = new MlpPass(policy.Shape, batchSize, compute);
        _nextObs = new float[batchSize * critic.ObsDim];
    }

    /// <summary>Validates `--recovery-gamma` (user input: one-line error naming the flag).</summary>
    public static float CheckGamma(float gamma) =>
        gamma > 0f && gamma < 1f ? gamma
            : throw new BadInputException($"--recovery-gamma must be in (0, 1) (e.g. 0.95: a horizon of about 20 steps), got {gamma.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    /// <summary>Refuses `--recovery-gamma` with model-based recovery, whose recovery has no policy objective to replace.</summary>
    public static void CheckModelFree(RecoveryKind recovery)
    {
        if (recovery != RecoveryKind.ModelFree)
            throw new BadInputException("--recovery-gamma trains the model-free recovery policy's objective; model-based recovery has none");
    }

    /// <summary>The critic the recovery policy minimises.</summary>
    public SafetyCritic Critic { get; }

    public float Gamma => _td.Gamma;

    /// <summary>The batch of the latest step (its targets use <see cref="Gamma"/>).</summary>
    public CriticBatch Batch => _batch;

    /// <summary>One TD step on <paramref name="source"/>'s transitions (copied; the source is not changed) with a' = pi_rec(s').</summary>
    public float Step(CriticBatch source)
    {
        if (source.Size != _batch.Size) throw new ArgumentException($"batch of {source.Size} rows, the recovery critic takes {_batch.Size}");
        source.Input.CopyTo(_batch.Input, 0);
        source.NextInput.CopyTo(_batch.NextInput, 0);
        source.Unsafe.CopyTo(_batch.Unsafe, 0);
        source.Terminal.CopyTo(_batch.Terminal, 0);
        source.Rows.CopyTo(_batch.Rows, 0);
        int rows = _batch.Size, od = _batch.ObsDim, ad = _batch.ActDim;
        for (int i = 0; i < rows; i++) _batch.NextObsOf(i).CopyTo(_nextObs.AsSpan(i * od, od));
        var head = _policyPass.Forward(_policy.Parameters.Data, _nextObs, rows);
        for (int i = 0; i < rows; i++)
        {
            var next = _batch.NextActionOf(i);
            for (int d = 0; d < ad; d++) next[d] = _policy.ToNormalizedAction(MathF.Tanh(head[i * 2 * ad + d]), d);
        }
        return _td.Step(_batch);
    }
}
