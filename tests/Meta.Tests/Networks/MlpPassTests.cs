using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Networks;

public class MlpPassTests
{
    // A tiny twin-head critic on 7 rows with fixed targets: small enough for central differences.
    private static (MlpShape Shape, float[] Theta, CriticBatch Batch) Problem(int seed = 1)
    {
        var shape = new MlpShape(3, [5, 4], 2, Activation.Sigmoid);
        var random = new Xoshiro256StarStar((ulong)seed);
        var theta = new float[shape.ParameterCount];
        shape.Initialize(theta, random);
        for (int i = 0; i < theta.Length; i++) theta[i] *= 3f; // steeper, so curvature is not negligible
        var batch = new CriticBatch(7, 2, 1);
        for (int i = 0; i < batch.Input.Length; i++) batch.Input[i] = 2f * random.NextFloat() - 1f;
        for (int i = 0; i < batch.Size; i++) batch.Target[i] = random.NextFloat();
        return (shape, theta, batch);
    }

    private static double Loss(MlpShape shape, float[] theta, CriticBatch batch) =>
        RiskLoss.Gradient(new MlpPass(shape, batch.Size), theta, batch, new float[shape.ParameterCount], accumulate: false);

    [Fact]
    public void Gradient_matches_central_differences()
    {
        var (shape, theta, batch) = Problem();
        var grad = new float[shape.ParameterCount];
        RiskLoss.Gradient(new MlpPass(shape, batch.Size), theta, batch, grad, accumulate: false);

        const float eps = 1e-2f;
        for (int p = 0; p < theta.Length; p++)
        {
            float keep = theta[p];
            theta[p] = keep + eps; double up = Loss(shape, theta, batch);
            theta[p] = keep - eps; double down = Loss(shape, theta, batch);
            theta[p] = keep;
            Assert.True(Math.Abs((up - down) / (2 * eps) - grad[p]) < 2e-3, $"parameter {p}: fd {(up - down) / (2 * eps)} vs {grad[p]}");
        }
    }

    [Fact]
    public void Hessian_vector_product_matches_differences_of_gradients()
    {
        var (shape, theta, batch) = Problem(2);
        var random = new Xoshiro256StarStar(9);
        var v = new float[shape.ParameterCount];
        for (int i = 0; i < v.Length; i++) v[i] = 2f * random.NextFloat() - 1f;

        var pass = new MlpPass(shape, batch.Size);
        RiskLoss.Gradient(pass, theta, batch, new float[shape.ParameterCount], accumulate: false);
        var hv = new float[shape.ParameterCount];
        RiskLoss.HessianVector(pass, theta, v, hv);

        const float eps = 1e-3f;
        var plus = (float[])theta.Clone();
        var minus = (float[])theta.Clone();
        for (int i = 0; i < theta.Length; i++) { plus[i] += eps * v[i]; minus[i] -= eps * v[i]; }
        var gPlus = new float[theta.Length];
        var gMinus = new float[theta.Length];
        RiskLoss.Gradient(new MlpPass(shape, batch.Size), plus, batch, gPlus, false);
        RiskLoss.Gradient(new MlpPass(shape, batch.Size), minus, batch, gMinus, false);
        double maxAbs = hv.Max(x => Math.Abs(x));
        Assert.True(maxAbs > 1e-2, "the test problem should have visible curvature");
        for (int i = 0; i < theta.Length; i++)
        {
            double fd = (gPlus[i] - gMinus[i]) / (2.0 * eps);
            Assert.True(Math.Abs(fd - hv[i]) < 2e-3 + 2e-2 * Math.Abs(fd), $"parameter {i}: fd {fd} vs Hv {hv[i]}");
        }
    }

    [Fact]
    public void Input_gradient_matches_central_differences()
    {
        var (shape, theta, batch) = Problem(3);
        var pass = new MlpPass(shape, batch.Size);
        pass.Forward(theta, batch.Input, batch.Size);
        // L = sum of all outputs.
        pass.OutputGradient.Fill(1f);
        pass.Backward(theta, Span<float>.Empty, false, inputGradient: true);
        var dx = pass.InputGradient.ToArray();
        const float eps = 1e-3f;
        for (int k = 0; k < batch.Input.Length; k++)
        {
            float keep = batch.Input[k];
            batch.Input[k] = keep + eps; double up = Sum(new MlpPass(shape, 7).Forward(theta, batch.Input, 7));
            batch.Input[k] = keep - eps; double down = Sum(new MlpPass(shape, 7).Forward(theta, batch.Input, 7));
            batch.Input[k] = keep;
            Assert.True(Math.Abs((up - down) / (2 * eps) - dx[k]) < 2e-3, $"input {k}: fd {(up - down) / (2 * eps)} vs {dx[k]}");
        }
    }

    private static double Sum(ReadOnlySpan<float> values)
    {
        double s = 0;
        foreach (float v in values) s += v;
        return s;
    }
}
