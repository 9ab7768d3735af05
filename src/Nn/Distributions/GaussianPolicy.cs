using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Nn.Distributions;

/// <summary>An action batch [B, A] and its log-probability [B, 1], both on the tape.</summary>
public readonly record struct PolicySample(Tensor Action, Tensor LogProb);

/// <summary>
/// Diagonal Gaussian and tanh-squashed Gaussian policy heads. The network emits [B, 2A] =
/// [mean | log_std]; log_std is clamped to [-20, 2] (as in the SAC reference code) and samples are
/// reparameterised (mean + std * noise), so gradients flow to the network through actions and log-probs.
/// </summary>
public static class GaussianPolicy
{
    public const float LogStdMin = -20f;
    public const float LogStdMax = 2f;

    /// <summary>Splits a [B, 2A] head into mean and clamped log-std, each [B, A].</summary>
    public static (Tensor Mean, Tensor LogStd) Split(Tape tape, Tensor head)
    {
        if (head.Cols % 2 != 0) throw new ArgumentException($"policy head must have an even width [mean | log_std], got {head.ShapeText}", nameof(head));
        int a = head.Cols / 2;
        var mean = tape.Slice(head, 1, 0, a);
        var logStd = tape.Clamp(tape.Slice(head, 1, a, a), LogStdMin, LogStdMax);
        return (mean, logStd);
    }

    /// <summary>log pi(action) of an unsquashed diagonal Gaussian, summed over action dims: [B, 1].</summary>
    public static Tensor DiagonalLogProb(Tape tape, Tensor mean, Tensor logStd, Tensor action)
        => tape.Sum(tape.GaussianLogDensity(action, mean, logStd), 1);

    /// <summary>Reparameterised sample from the diagonal Gaussian N(mean, std^2).</summary>
    public static PolicySample SampleDiagonal(Tape tape, Tensor head, Xoshiro256StarStar rng)
    {
        var (mean, logStd) = Split(tape, head);
        var u = tape.Add(mean, tape.Mul(tape.Exp(logStd), tape.Normal(mean.Rows, mean.Cols, rng)));
        return new PolicySample(u, DiagonalLogProb(tape, mean, logStd, u));
    }

    /// <summary>
    /// Reparameterised sample a = tanh(u), u ~ N(mean, std^2), with
    /// log pi(a) = log N(u) - sum log(1 - tanh(u)^2) (change of variables).
    /// </summary>
    public static PolicySample SampleTanh(Tape tape, Tensor head, Xoshiro256StarStar rng)
    {
        var (mean, logStd) = Split(tape, head);
        var u = tape.Add(mean, tape.Mul(tape.Exp(logStd), tape.Normal(mean.Rows, mean.Cols, rng)));
        var logProb = tape.Sub(DiagonalLogProb(tape, mean, logStd, u), tape.Sum(tape.TanhLogDetJacobian(u), 1));
        return new PolicySample(tape.Tanh(u), logProb);
    }

    /// <summary>Deterministic action of a tanh-Gaussian policy: tanh(mean).</summary>
    public static Tensor TanhMode(Tape tape, Tensor head) => tape.Tanh(Split(tape, head).Mean);
}
