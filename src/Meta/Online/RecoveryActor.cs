using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Recovery;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// Acting with Meta's model-free <see cref="RecoveryPolicy"/> once per environment step: the
/// deterministic action tanh(mean) on the policy's action box, with the network pass and input
/// buffer kept (RecoveryPolicy.Act builds a pass per call, fine offline, not per step).
/// </summary>
public sealed class RecoveryActor(RecoveryPolicy policy) : IRecoveryActor
{
    private readonly MlpPass _pass = new(policy.Shape, 1);
    private readonly float[] _input = new float[policy.Normalization.ObsDim];

    public RecoveryPolicy Policy => policy;

    public void Act(ReadOnlySpan<float> obs, Span<float> action)
    {
        var n = policy.Normalization;
        n.NormalizeObs(obs, _input);
        var head = _pass.Forward(policy.Parameters.Data, _input, 1);
        for (int d = 0; d < n.ActDim; d++)
            action[d] = n.ActionLow[d] + 0.5f * (MathF.Tanh(head[d]) + 1f) * (n.ActionHigh[d] - n.ActionLow[d]);
    }
}
