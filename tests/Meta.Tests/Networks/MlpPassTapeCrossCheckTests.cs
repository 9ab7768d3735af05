using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Networks;

/// <summary>
/// MlpPass is Meta's hand-derived, allocation-free path for the critic loss's gradient and
/// Hessian-vector product (MESA's second-order term). Nn's tape computes the same quantities by
/// generic double backward; the two must agree, so the fast path cannot drift from the engine.
/// </summary>
public class MlpPassTapeCrossCheckTests
{
    [Theory]
    [InlineData(1, 2)]   // one head
    [InlineData(2, 2)]   // twin heads
    [InlineData(3, 1)]
    public void Gradient_and_hessian_vector_product_agree_with_the_tapes_double_backward(int seed, int heads)
    {
        var shape = new MlpShape(4, [16, 12], heads, Activation.Sigmoid);
        var random = new Xoshiro256StarStar((ulong)seed);
        var theta = new float[shape.ParameterCount];
        shape.Initialize(theta, random);
        for (int i = 0; i < theta.Length; i++) theta[i] *= 2f; // visible curvature
        var batch = new CriticBatch(9, 3, 1);
        for (int i = 0; i < batch.Input.Length; i++) batch.Input[i] = 2f * random.NextFloat() - 1f;
        for (int i = 0; i < batch.Size; i++) batch.Target[i] = random.NextFloat();
        var v = new float[theta.Length];
        for (int i = 0; i < v.Length; i++) v[i] = 2f * random.NextFloat() - 1f;

        var pass = new MlpPass(shape, batch.Size);
        var gradient = new float[theta.Length];
        float loss = RiskLoss.Gradient(pass, theta, batch, gradient, accumulate: false);
        var hv = new float[theta.Length];
        RiskLoss.HessianVector(pass, theta, v, hv);

        var (tapeLoss, tapeGradient, tapeHv) = OnTape(shape, theta, batch, v);
        Assert.Equal(tapeLoss, loss, 5);
        AssertClose(tapeGradient, gradient, "gradient");
        AssertClose(tapeHv, hv, "Hv");
        Assert.True(hv.Max(MathF.Abs) > 1e-3f, "the problem should have visible curvature");
    }

    private static (float Loss, float[] Gradient, float[] Hv) OnTape(MlpShape shape, float[] theta, CriticBatch batch, float[] v)
    {
        var tape = new Tape();
        var parameters = new List<Tensor>();
        for (int l = 0; l < shape.Layers; l++)
        {
            int outputs = shape.Widths[l + 1], inputs = shape.Widths[l];
            var weight = Tensor.FromRows(theta.AsSpan(shape.WeightOffset(l), outputs * inputs), outputs, inputs);
            var bias = Tensor.FromVector(theta.AsSpan(shape.BiasOffset(l), outputs));
            weight.RequiresGrad = bias.RequiresGrad = true;
            parameters.Add(weight);
            parameters.Add(bias);
        }
        var h = tape.Constant(batch.Input.AsSpan(0, batch.Size * shape.Inputs), batch.Size, shape.Inputs);
        for (int l = 0; l < shape.Layers; l++)
            h = tape.Linear(h, parameters[2 * l], parameters[2 * l + 1], shape.ActivationOf(l));
        var target = new float[batch.Size * shape.Outputs];
        for (int i = 0; i < target.Length; i++) target[i] = batch.Target[i / shape.Outputs];
        var loss = tape.Mean(tape.Square(tape.Sub(h, tape.Constant(target, batch.Size, shape.Outputs))));

        var grads = new Tensor[parameters.Count];
        tape.Grad(loss, parameters, grads, createGraph: true);
        var gradient = Flatten(shape, grads.Select(g => g.Data.ToArray()).ToArray());
        Tensor? dot = null;
        for (int k = 0; k < parameters.Count; k++)
        {
            var p = parameters[k];
            var direction = v.AsSpan(k % 2 == 0 ? shape.WeightOffset(k / 2) : shape.BiasOffset(k / 2), p.Length);
            var term = tape.Sum(tape.Mul(grads[k], tape.Constant(direction, p.Rows, p.Cols)));
            dot = dot is null ? term : tape.Add(dot, term);
        }
        foreach (var p in parameters) p.ZeroGrad();
        tape.Backward(dot!);
        var hv = Flatten(shape, parameters.Select(p => p.Grad!.ToArray()).ToArray());
        return (loss.ToScalar(), gradient, hv);
    }

    private static float[] Flatten(MlpShape shape, float[][] perTensor)
    {
        var flat = new float[shape.ParameterCount];
        for (int l = 0; l < shape.Layers; l++)
        {
            perTensor[2 * l].CopyTo(flat, shape.WeightOffset(l));
            perTensor[2 * l + 1].CopyTo(flat, shape.BiasOffset(l));
        }
        return flat;
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        float scale = expected.Max(MathF.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-5f + 1e-4f * scale, $"{what}[{i}]: tape {expected[i]} vs MlpPass {actual[i]}");
    }
}
