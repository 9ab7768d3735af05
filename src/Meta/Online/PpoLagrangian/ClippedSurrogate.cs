using OfflineSafety.Nn.Autodiff;

namespace OfflineSafety.Meta.Online.PpoLagrangian;

/// <summary>
/// PPO's clipped surrogate loss, -E[min(rho A, clip(rho, 1 - eps, 1 + eps) A)] with rho = exp(log pi - log pi_old).
/// Where rho has left the clip on the side A favours (rho &gt; 1 + eps with A &gt; 0, rho &lt; 1 - eps with A &lt; 0)
/// the minimum is the clipped constant, so that sample's gradient is zero: the update stops pushing it.
/// </summary>
public static class ClippedSurrogate
{
    public static Tensor Loss(Tape tape, Tensor logProb, Tensor oldLogProb, Tensor advantages, float clip)
    {
        var ratio = tape.Exp(tape.Sub(logProb, oldLogProb));
        var unclipped = tape.Mul(ratio, advantages);
        var clipped = tape.Mul(tape.Clamp(ratio, 1f - clip, 1f + clip), advantages);
        return tape.Neg(tape.Mean(tape.Minimum(unclipped, clipped)));
    }
}
