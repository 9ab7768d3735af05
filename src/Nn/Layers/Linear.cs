using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Nn.Layers;

/// <summary>
/// Dense layer y = x Wᵀ + b with W [out, in] as PyTorch stores it. Initialised like torch.nn.Linear:
/// kaiming_uniform(a = sqrt 5) reduces to U(-1/sqrt(in), 1/sqrt(in)) for W, and b uses the same bound.
/// </summary>
public sealed class Linear
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }

    public Linear(int inFeatures, int outFeatures, Xoshiro256StarStar rng, bool bias = true)
    {
        if (inFeatures <= 0 || outFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(inFeatures), $"linear layer needs positive sizes, got {inFeatures} -> {outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        float bound = 1f / MathF.Sqrt(inFeatures);
        Weight = Tensor.Matrix(outFeatures, inFeatures);
        Weight.RequiresGrad = true;
        rng.FillUniform(Weight.Data, -bound, bound);
        if (bias)
        {
            Bias = Tensor.Vector(outFeatures);
            Bias.RequiresGrad = true;
            rng.FillUniform(Bias.Data, -bound, bound);
        }
    }

    public Tensor Forward(Tape tape, Tensor x, Activation activation = Activation.None) => tape.Linear(x, Weight, Bias, activation);
}
