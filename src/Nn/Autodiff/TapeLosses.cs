namespace OfflineSafety.Nn.Autodiff;

// Losses and densities built from primitive ops, so their first and second derivatives come from
// the primitives' rules and need no separate checking.
public sealed partial class Tape
{
    static readonly float HalfLogTwoPi = (float)(0.5 * Math.Log(2 * Math.PI));
    static readonly float LogTwo = MathF.Log(2f);

    /// <summary>mean((prediction - target)^2) over all elements, shape [].</summary>
    public Tensor Mse(Tensor prediction, Tensor target) => Mean(Square(Sub(prediction, target)));

    /// <summary>
    /// Binary cross-entropy of probabilities against 0/1 (or soft) targets, averaged over all
    /// elements; logs are clamped at -100 as in torch.nn.functional.binary_cross_entropy.
    /// </summary>
    public Tensor BinaryCrossEntropy(Tensor probability, Tensor target)
    {
        var logP = Clamp(Log(probability), -100f, float.PositiveInfinity);
        var logQ = Clamp(Log(OneMinus(probability)), -100f, float.PositiveInfinity);
        return Neg(Mean(Add(Mul(target, logP), Mul(OneMinus(target), logQ))));
    }

    /// <summary>Elementwise log N(x; mean, exp(logStd)^2).</summary>
    public Tensor GaussianLogDensity(Tensor x, Tensor mean, Tensor logStd)
    {
        var z = Div(Sub(x, mean), Exp(logStd));
        return Sub(Affine(Square(z), -0.5f, -HalfLogTwoPi), logStd);
    }

    /// <summary>
    /// Elementwise log(1 - tanh(u)^2), the log-determinant correction of a tanh squash, in the
    /// overflow-free form 2 (log 2 - u - softplus(-2u)); exact, unlike adding 1e-6 inside the log.
    /// </summary>
    public Tensor TanhLogDetJacobian(Tensor u) => Affine(Add(u, Softplus(Affine(u, -2f, 0f))), -2f, 2f * LogTwo);
}
