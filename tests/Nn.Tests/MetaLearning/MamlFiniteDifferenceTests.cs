using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.MetaLearning;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Nn.Tests.MetaLearning;

/// <summary>
/// The MAML outer gradient through K inner SGD steps against central differences of the whole
/// meta-objective M(w, l) = L_out(w_K), w_{k+1} = w_k - lr * grad L_in(w_k), evaluated forward only.
/// </summary>
public class MamlFiniteDifferenceTests
{
    const float FixedLr = 0.4f;

    sealed class Problem
    {
        public readonly Mlp Net = new(2, [5], 1, new Xoshiro256StarStar(11), Activation.Tanh, Activation.Sigmoid);
        public readonly InnerLearningRates Lrs;
        public readonly Tensor XIn = GradCheckData(8, 2, 1), YIn = GradCheckData(8, 1, 2, 0, 1);
        public readonly Tensor XOut = GradCheckData(8, 2, 3), YOut = GradCheckData(8, 1, 4, 0, 1);
        public Problem() => Lrs = new InnerLearningRates(Net.Parameters.Count, FixedLr);

        static Tensor GradCheckData(int rows, int cols, ulong seed, float lo = -2, float hi = 2)
        {
            var t = Tensor.Matrix(rows, cols);
            new Xoshiro256StarStar(seed).FillUniform(t.Data, lo, hi);
            return t;
        }

        public Tensor Loss(Tape tape, IReadOnlyList<Tensor> w, bool inner) =>
            tape.Mse(Net.Forward(tape, inner ? XIn : XOut, w), inner ? YIn : YOut);

        /// <summary>Meta-objective; with <paramref name="order"/> null it runs the inner steps unrecorded.</summary>
        public Tensor Meta(Tape tape, int steps, bool learned, MamlOrder order)
        {
            var grads = new Tensor[Net.Parameters.Count];
            IReadOnlyList<Tensor> w = Net.Parameters;
            for (int k = 0; k < steps; k++)
            {
                var fast = new Tensor[w.Count];
                if (learned) Maml.Step(tape, Loss(tape, w, true), w, Lrs, grads, fast, order);
                else Maml.Step(tape, Loss(tape, w, true), w, FixedLr, grads, fast, order);
                w = fast;
            }
            return Loss(tape, w, false);
        }
    }

    static IEnumerable<Tensor> AllParameters(Problem p, bool learned) => learned ? p.Net.Parameters.Concat(p.Lrs.Parameters) : p.Net.Parameters;

    static double[] FiniteDifference(Problem p, int steps, bool learned)
    {
        var tape = new Tape();
        var result = new List<double>();
        const float eps = 2e-3f;
        foreach (var t in AllParameters(p, learned))
        {
            for (int j = 0; j < t.Length; j++)
            {
                float keep = t[j];
                t[j] = keep + eps;
                tape.Reset();
                double plus = p.Meta(tape, steps, learned, MamlOrder.First).ToScalar();
                t[j] = keep - eps;
                tape.Reset();
                double minus = p.Meta(tape, steps, learned, MamlOrder.First).ToScalar();
                t[j] = keep;
                result.Add((plus - minus) / (2 * eps));
            }
        }
        return [.. result];
    }

    static double[] Analytic(Problem p, int steps, bool learned, MamlOrder order)
    {
        foreach (var t in AllParameters(p, true)) t.ZeroGrad();
        var tape = new Tape();
        tape.Backward(p.Meta(tape, steps, learned, order));
        return AllParameters(p, learned).SelectMany(t => t.Grad!.Select(v => (double)v)).ToArray();
    }

    static double MaxError(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(1, true)]
    [InlineData(3, true)]
    public void SecondOrderOuterGradientMatchesFiniteDifferences(int steps, bool learnedLr)
    {
        var p = new Problem();
        var numeric = FiniteDifference(p, steps, learnedLr);
        var exact = Analytic(p, steps, learnedLr, MamlOrder.Second);
        var firstOrder = Analytic(p, steps, learnedLr, MamlOrder.First);
        double scale = numeric.Max(Math.Abs);
        Assert.True(MaxError(numeric, exact) <= 2e-3 * scale, $"second order off by {MaxError(numeric, exact):G4} (gradient scale {scale:G4})");
        // The check has teeth: dropping the second-order term is visibly wrong on this problem.
        Assert.True(MaxError(numeric, firstOrder) >= 2e-2 * scale, $"first order unexpectedly close: {MaxError(numeric, firstOrder):G4}");
    }
}
