using OfflineSafety.Nn.Autodiff;

namespace OfflineSafety.Nn.MetaLearning;

/// <summary>
/// Meta-SGD style learned inner-loop step sizes, one per parameter tensor: lr_i = softplus(l_i), as
/// in MESA's code, so a step size stays positive while l_i moves freely. The raw l_i are ordinary
/// parameters (rank-0 tensors) that an outer optimizer updates.
/// </summary>
public sealed class InnerLearningRates
{
    readonly Tensor[] _raw;

    public IReadOnlyList<Tensor> Parameters => _raw;
    public int Count => _raw.Length;

    public InnerLearningRates(int count, float initialLearningRate)
    {
        if (!(initialLearningRate > 0f)) throw new ArgumentOutOfRangeException(nameof(initialLearningRate), $"initial inner learning rate must be positive, got {initialLearningRate}");
        // Inverse softplus, in double so small step sizes keep their precision.
        float raw = (float)Math.Log(Math.Exp(initialLearningRate) - 1.0);
        _raw = new Tensor[count];
        for (int i = 0; i < count; i++)
        {
            _raw[i] = Tensor.Scalar(raw);
            _raw[i].RequiresGrad = true;
            _raw[i].Name = $"inner_lr.{i}";
        }
    }

    /// <summary>Current step size of tensor <paramref name="index"/> (softplus of its raw value).</summary>
    public float Value(int index)
    {
        float l = _raw[index][0];
        return MathF.Max(l, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(l)));
    }
}
