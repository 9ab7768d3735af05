using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Training;

public class MetaGradientTests
{
    // A tiny problem with two inner steps and large step sizes, so the second-order term is large.
    private static (MlpShape Shape, float[] Psi, float[] RawRates, CriticBatch Inner, CriticBatch Outer) Problem()
    {
        var shape = new MlpShape(3, [6, 5], 1, Activation.Sigmoid);
        var random = new Xoshiro256StarStar(11);
        var psi = new float[shape.ParameterCount];
        shape.Initialize(psi, random);
        for (int i = 0; i < psi.Length; i++) psi[i] *= 2.5f;
        var rawRates = new float[shape.Tensors.Count];
        for (int t = 0; t < rawRates.Length; t++) rawRates[t] = -0.5f + 0.2f * t; // softplus: ~0.47 .. ~1.3
        var inner = new CriticBatch(9, 2, 1);
        var outer = new CriticBatch(8, 2, 1);
        foreach (var b in new[] { inner, outer })
        {
            for (int i = 0; i < b.Input.Length; i++) b.Input[i] = 2f * random.NextFloat() - 1f;
            for (int i = 0; i < b.Size; i++) b.Target[i] = random.NextFloat();
        }
        return (shape, psi, rawRates, inner, outer);
    }

    private static float OuterLoss(MlpShape shape, float[] psi, float[] rawRates, CriticBatch inner, CriticBatch outer) =>
        new MetaGradient(shape, 2, firstOrder: true, inner.Size, outer.Size)
            .Accumulate(psi, rawRates, inner, outer, 1f, new float[psi.Length], Span<float>.Empty);

    [Fact]
    public void Second_order_outer_gradient_equals_finite_differences_and_first_order_does_not()
    {
        var (shape, psi, rawRates, inner, outer) = Problem();
        var exact = new float[psi.Length];
        var rateGradient = new float[rawRates.Length];
        new MetaGradient(shape, 2, firstOrder: false, inner.Size, outer.Size).Accumulate(psi, rawRates, inner, outer, 1f, exact, rateGradient);
        var firstOrder = new float[psi.Length];
        new MetaGradient(shape, 2, firstOrder: true, inner.Size, outer.Size).Accumulate(psi, rawRates, inner, outer, 1f, firstOrder, Span<float>.Empty);

        const float eps = 1e-3f;
        double errExact = 0, errFirst = 0, norm = 0;
        for (int p = 0; p < psi.Length; p++)
        {
            float keep = psi[p];
            psi[p] = keep + eps; double up = OuterLoss(shape, psi, rawRates, inner, outer);
            psi[p] = keep - eps; double down = OuterLoss(shape, psi, rawRates, inner, outer);
            psi[p] = keep;
            double fd = (up - down) / (2 * eps);
            errExact = Math.Max(errExact, Math.Abs(fd - exact[p]));
            errFirst = Math.Max(errFirst, Math.Abs(fd - firstOrder[p]));
            norm = Math.Max(norm, Math.Abs(fd));
        }
        Assert.True(errExact < 2e-3 + 1e-2 * norm, $"second-order error {errExact} (max |fd| {norm})");
        Assert.True(errFirst > 10 * errExact, $"first-order error {errFirst} should dwarf second-order error {errExact}");

        for (int t = 0; t < rawRates.Length; t++)
        {
            float keep = rawRates[t];
            rawRates[t] = keep + eps; double up = OuterLoss(shape, psi, rawRates, inner, outer);
            rawRates[t] = keep - eps; double down = OuterLoss(shape, psi, rawRates, inner, outer);
            rawRates[t] = keep;
            double fd = (up - down) / (2 * eps);
            Assert.True(Math.Abs(fd - rateGradient[t]) < 2e-3 + 1e-2 * Math.Abs(fd), $"step size {t}: fd {fd} vs {rateGradient[t]}");
        }
    }

    [Fact]
    public void Gradients_accumulate_scaled_across_tasks()
    {
        var (shape, psi, rawRates, inner, outer) = Problem();
        var once = new float[psi.Length];
        var meta = new MetaGradient(shape, 2, false, inner.Size, outer.Size);
        meta.Accumulate(psi, rawRates, inner, outer, 1f, once, Span<float>.Empty);
        var twice = new float[psi.Length];
        meta.Accumulate(psi, rawRates, inner, outer, 0.5f, twice, Span<float>.Empty);
        meta.Accumulate(psi, rawRates, inner, outer, 0.5f, twice, Span<float>.Empty);
        for (int i = 0; i < psi.Length; i++) Assert.Equal(once[i], twice[i], 5);
    }
}
