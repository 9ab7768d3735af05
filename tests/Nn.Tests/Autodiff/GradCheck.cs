using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Nn.Tests.Autodiff;

/// <summary>
/// Compares tape gradients and Hessian-vector products with central finite differences.
/// The scalar probed is L = sum(W ⊙ f(inputs)) for a fixed random W, accumulated in double so the
/// float32 round-off of the difference quotient stays well below the tolerance.
/// </summary>
internal static class GradCheck
{
    public static void Run(Func<Tape, Tensor[], Tensor> f, Tensor[] inputs, float eps = 1e-3f, double tolerance = 2e-3,
        bool secondOrder = true, ulong seed = 7)
    {
        foreach (var x in inputs) x.RequiresGrad = true;
        var rng = new Xoshiro256StarStar(seed);
        var tape = new Tape();
        var probe = f(tape, inputs);
        var weights = Tensor.FromRows(new float[probe.Length], probe.Rows, probe.Cols);
        rng.FillUniform(weights.Data, -1f, 1f);

        // First order.
        var analytic = Gradients(tape, f, inputs, weights);
        for (int i = 0; i < inputs.Length; i++)
        {
            // Written through the indexer, not a span held across the probes: products keep a
            // weight's packed panels until the tensor's version moves (Tensor.Data).
            var x = inputs[i];
            for (int j = 0; j < x.Length; j++)
            {
                float keep = x[j];
                x[j] = keep + eps;
                double plus = Probe(tape, f, inputs, weights);
                x[j] = keep - eps;
                double minus = Probe(tape, f, inputs, weights);
                x[j] = keep;
                double numeric = (plus - minus) / (2 * eps);
                AssertClose(numeric, analytic[i][j], tolerance, $"d/d input{i}[{j}]");
            }
        }
        if (!secondOrder) return;

        // Second order: H v by double backward vs the difference of gradients along v.
        var directions = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            directions[i] = inputs[i].Clone();
            directions[i].RequiresGrad = false;
            rng.FillUniform(directions[i].Data, -1f, 1f);
        }
        var hv = HessianVector(tape, f, inputs, weights, directions);
        var saved = inputs.Select(x => x.Data.ToArray()).ToArray();
        Shift(inputs, directions, eps);
        var gPlus = Gradients(tape, f, inputs, weights);
        Restore(inputs, saved);
        Shift(inputs, directions, -eps);
        var gMinus = Gradients(tape, f, inputs, weights);
        Restore(inputs, saved);
        for (int i = 0; i < inputs.Length; i++)
            for (int j = 0; j < hv[i].Length; j++)
                AssertClose((gPlus[i][j] - gMinus[i][j]) / (2.0 * eps), hv[i][j], tolerance, $"(Hv) input{i}[{j}]");
    }

    static void Shift(Tensor[] inputs, Tensor[] v, float eps)
    {
        for (int i = 0; i < inputs.Length; i++)
            for (int j = 0; j < inputs[i].Length; j++) inputs[i][j] += eps * v[i][j];
    }

    static void Restore(Tensor[] inputs, float[][] saved)
    {
        for (int i = 0; i < inputs.Length; i++) saved[i].CopyTo(inputs[i].Data);
    }

    static void AssertClose(double expected, double actual, double tolerance, string what)
    {
        double err = Math.Abs(expected - actual);
        Assert.True(err <= tolerance * Math.Max(1.0, Math.Abs(expected)),
            $"{what}: finite difference {expected:G6}, autodiff {actual:G6}");
    }

    static double Probe(Tape tape, Func<Tape, Tensor[], Tensor> f, Tensor[] inputs, Tensor weights)
    {
        tape.Reset();
        using var _ = tape.NoGrad();
        var y = f(tape, inputs);
        double s = 0;
        for (int k = 0; k < y.Length; k++) s += (double)y[k] * weights[k];
        return s;
    }

    static float[][] Gradients(Tape tape, Func<Tape, Tensor[], Tensor> f, Tensor[] inputs, Tensor weights)
    {
        tape.Reset();
        var loss = tape.Sum(tape.Mul(f(tape, inputs), weights));
        var grads = new Tensor[inputs.Length];
        tape.Grad(loss, inputs, grads);
        return grads.Select(g => g.Data.ToArray()).ToArray();
    }

    static float[][] HessianVector(Tape tape, Func<Tape, Tensor[], Tensor> f, Tensor[] inputs, Tensor weights, Tensor[] v)
    {
        tape.Reset();
        foreach (var x in inputs) x.ZeroGrad();
        var loss = tape.Sum(tape.Mul(f(tape, inputs), weights));
        var grads = new Tensor[inputs.Length];
        tape.Grad(loss, inputs, grads, createGraph: true);
        Tensor? dot = null;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!grads[i].RequiresGrad) continue;
            var term = tape.Sum(tape.Mul(grads[i], v[i]));
            dot = dot is null ? term : tape.Add(dot, term);
        }
        if (dot is null || !dot.RequiresGrad) return inputs.Select(x => new float[x.Length]).ToArray();
        tape.Backward(dot);
        return inputs.Select(x => x.Grad is null ? new float[x.Length] : x.Grad.ToArray()).ToArray();
    }

    public static Tensor Uniform(int rows, int cols, float low, float high, ulong seed)
    {
        var t = Tensor.Matrix(rows, cols);
        new Xoshiro256StarStar(seed).FillUniform(t.Data, low, high);
        return t;
    }

    public static Tensor UniformVector(int n, float low, float high, ulong seed)
    {
        var t = Tensor.Vector(n);
        new Xoshiro256StarStar(seed).FillUniform(t.Data, low, high);
        return t;
    }

    /// <summary>Values spread by at least <paramref name="gap"/> and kept |v| >= gap, so kinks (relu, max, clamp) are never crossed by eps.</summary>
    public static Tensor Separated(int rows, int cols, float gap, ulong seed)
    {
        var t = Tensor.Matrix(rows, cols);
        var rng = new Xoshiro256StarStar(seed);
        int n = rows * cols;
        var order = Enumerable.Range(0, n).OrderBy(_ => rng.NextUInt64()).ToArray();
        for (int i = 0; i < n; i++) t[order[i]] = (i - n / 2 + 0.5f) * gap;
        return t;
    }
}
