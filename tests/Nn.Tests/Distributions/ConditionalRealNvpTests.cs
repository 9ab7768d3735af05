using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Distributions;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Nn.Tests.Autodiff;

namespace OfflineSafety.Nn.Tests.Distributions;

public class ConditionalRealNvpTests
{
    // A trained-looking flow: the output layers start at zero (identity), so give them values.
    static ConditionalRealNvp Flow(int dimension, int condition, ulong seed, float logScaleBound = 2f)
    {
        var rng = new Xoshiro256StarStar(seed);
        var flow = new ConditionalRealNvp(dimension, condition, 3, [16, 16], logScaleBound, rng);
        for (int k = 0; k < flow.Couplings; k++)
            foreach (var p in flow.Conditioner(k).Layers[^1].Parameters()) rng.FillUniform(p.Data, -0.6f, 0.6f);
        return flow;
    }

    [Fact]
    public void UntrainedFlowIsTheIdentityAndAStandardNormal()
    {
        var flow = new ConditionalRealNvp(2, 3, 3, [8], 3f, new Xoshiro256StarStar(1));
        var tape = new Tape();
        var z = tape.Constant([0.5f, -1.5f], 1, 2);
        var y = tape.Constant([1f, 2f, 3f], 1, 3);
        var x = flow.Forward(tape, z, y);
        Assert.Equal(0.5f, x[0], 6);
        Assert.Equal(-1.5f, x[1], 6);
        double expected = -0.5 * (0.25 + 2.25) - Math.Log(2 * Math.PI);
        Assert.Equal(expected, flow.LogDensity(tape, x, y)[0], 5);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void InverseUndoesForward(int dimension)
    {
        var flow = Flow(dimension, 4, 11);
        var tape = new Tape();
        var z = GradCheck.Uniform(7, dimension, -2f, 2f, 3);
        var y = GradCheck.Uniform(7, 4, -1f, 1f, 4);
        var x = flow.Forward(tape, tape.Detach(z), tape.Detach(y));
        var back = flow.Inverse(tape, x, tape.Detach(y)).Latent;
        for (int i = 0; i < z.Length; i++) Assert.Equal(z[i], back[i], 4);
        // And the map is not trivially the identity.
        double moved = 0;
        for (int i = 0; i < z.Length; i++) moved += Math.Abs(z[i] - x[i]);
        Assert.True(moved > 0.5, $"flow moved latents by {moved} in total");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void LogDetMatchesNumericalJacobian(int dimension)
    {
        var flow = Flow(dimension, 2, 21);
        var tape = new Tape();
        var rng = new Xoshiro256StarStar(5);
        for (int trial = 0; trial < 4; trial++)
        {
            var z = new float[dimension];
            rng.FillUniform(z, -1.5f, 1.5f);
            var y = new float[2];
            rng.FillUniform(y, -1f, 1f);
            // J[i, j] = d x_i / d z_j by central differences of the forward map.
            var jacobian = new double[dimension, dimension];
            const float eps = 2e-3f;
            for (int j = 0; j < dimension; j++)
            {
                var plus = (float[])z.Clone();
                var minus = (float[])z.Clone();
                plus[j] += eps;
                minus[j] -= eps;
                tape.Reset();
                var xp = flow.Forward(tape, tape.Constant(plus, 1, dimension), tape.Constant(y, 1, 2)).Data.ToArray();
                var xm = flow.Forward(tape, tape.Constant(minus, 1, dimension), tape.Constant(y, 1, 2)).Data.ToArray();
                for (int i = 0; i < dimension; i++) jacobian[i, j] = (xp[i] - xm[i]) / (2.0 * eps);
            }
            double logAbsDet = Math.Log(Math.Abs(Determinant(jacobian)));
            tape.Reset();
            var x = flow.Forward(tape, tape.Constant(z, 1, dimension), tape.Constant(y, 1, 2));
            var inverse = flow.Inverse(tape, x, tape.Constant(y, 1, 2));
            // log|det d f^-1 / dx| = -log|det d f / dz|.
            Assert.Equal(-logAbsDet, inverse.LogDetInverse[0], 2);
        }
    }

    [Fact]
    public void OneDimensionalDensityIntegratesToOne()
    {
        var flow = Flow(1, 2, 31);
        var tape = new Tape();
        const int points = 4001;
        var grid = new float[points];
        var condition = new float[points * 2];
        for (int i = 0; i < points; i++)
        {
            grid[i] = -20f + 40f * i / (points - 1);
            condition[2 * i] = 0.3f;
            condition[2 * i + 1] = -0.7f;
        }
        var logp = flow.LogDensity(tape, tape.Constant(grid, points, 1), tape.Constant(condition, points, 2));
        double integral = 0, h = 40.0 / (points - 1);
        for (int i = 0; i < points; i++) integral += Math.Exp(logp[i]) * h;
        Assert.Equal(1.0, integral, 3);
    }

    [Fact]
    public void LogScaleNeverExceedsItsBound()
    {
        // Huge conditioner outputs: every coupling's log-scale saturates at the bound, never beyond.
        var rng = new Xoshiro256StarStar(41);
        var flow = new ConditionalRealNvp(2, 1, 3, [4], 1.5f, rng);
        for (int k = 0; k < 3; k++)
            foreach (var p in flow.Conditioner(k).Layers[^1].Parameters()) p.Data.Fill(50f);
        var tape = new Tape();
        var inverse = flow.Inverse(tape, tape.Constant([3f, -2f], 1, 2), tape.Constant([1f], 1, 1));
        // Three couplings move 2 + 1 dimensions in all: |log det| <= 3 * 1.5.
        Assert.True(Math.Abs(inverse.LogDetInverse[0]) <= 3 * 1.5f + 1e-4f);
        Assert.True(float.IsFinite(inverse.Latent[0]) && float.IsFinite(inverse.Latent[1]));
    }

    [Fact]
    public void LogDensityGradientsMatchFiniteDifferences()
    {
        var flow = Flow(3, 2, 51);
        var x = GradCheck.Uniform(4, 3, -1f, 1f, 6);
        var y = GradCheck.Uniform(4, 2, -1f, 1f, 7);
        // Inputs and every parameter tensor; the ReLU kinks are far from eps at these seeds.
        Tensor[] inputs = [x, y, .. flow.Parameters];
        GradCheck.Run((tape, t) => flow.LogDensity(tape, t[0], t[1]), inputs, eps: 2e-4f, tolerance: 5e-3, secondOrder: false);
    }

    [Fact]
    public void ForwardGradientsMatchFiniteDifferences()
    {
        var flow = Flow(2, 2, 61);
        var z = GradCheck.Uniform(3, 2, -1f, 1f, 8);
        var y = GradCheck.Uniform(3, 2, -1f, 1f, 9);
        Tensor[] inputs = [z, y, .. flow.Parameters];
        GradCheck.Run((tape, t) => flow.Forward(tape, t[0], t[1]), inputs, eps: 1e-3f, tolerance: 5e-3, secondOrder: false);
    }

    static double Determinant(double[,] m)
    {
        int n = m.GetLength(0);
        var a = (double[,])m.Clone();
        double det = 1;
        for (int c = 0; c < n; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(a[r, c]) > Math.Abs(a[pivot, c])) pivot = r;
            if (pivot != c)
            {
                for (int k = 0; k < n; k++) (a[c, k], a[pivot, k]) = (a[pivot, k], a[c, k]);
                det = -det;
            }
            det *= a[c, c];
            for (int r = c + 1; r < n; r++)
            {
                double f = a[r, c] / a[c, c];
                for (int k = c; k < n; k++) a[r, k] -= f * a[c, k];
            }
        }
        return det;
    }
}

static class LinearParameters
{
    public static IEnumerable<Tensor> Parameters(this OfflineSafety.Nn.Layers.Linear layer) => layer.Bias is null ? [layer.Weight] : [layer.Weight, layer.Bias];
}
