using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using static OfflineSafety.Nn.Tests.Autodiff.GradCheck;

namespace OfflineSafety.Nn.Tests.Autodiff;

/// <summary>First derivatives and Hessian-vector products of every op against finite differences.</summary>
public class OpGradientTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void MatMul(bool ta, bool tb)
    {
        var a = ta ? Uniform(4, 3, -1, 1, 1) : Uniform(3, 4, -1, 1, 1);
        var b = tb ? Uniform(5, 4, -1, 1, 2) : Uniform(4, 5, -1, 1, 2);
        // Squaring the product makes the second derivative non-trivial.
        Run((t, x) => t.Square(t.MatMul(x[0], x[1], ta, tb)), [a, b]);
    }

    [Theory]
    [InlineData(Activation.None)]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    public void LinearWithBias(Activation act)
    {
        var x = Uniform(5, 3, -1, 1, 3);
        var w = Uniform(4, 3, -1, 1, 4);
        var b = UniformVector(4, -0.5f, 0.5f, 5);
        if (act == Activation.Relu)
        {
            // Keep pre-activations clear of the kink.
            x = Separated(5, 3, 0.37f, 3);
            Run((t, v) => t.Square(t.Linear(v[0], v[1], v[2], act)), [x, w, b], tolerance: 5e-3);
            return;
        }
        Run((t, v) => t.Square(t.Linear(v[0], v[1], v[2], act)), [x, w, b]);
    }

    [Fact]
    public void LinearWithoutBias() => Run((t, v) => t.Tanh(t.Linear(v[0], v[1], null, Activation.Tanh)), [Uniform(3, 2, -1, 1, 6), Uniform(2, 2, -1, 1, 7)]);

    public static TheoryData<int, int, int, int> BroadcastShapes => new()
    {
        { 3, 4, 3, 4 }, { 3, 4, 1, 4 }, { 3, 4, 3, 1 }, { 3, 4, 1, 1 }, { 1, 4, 3, 4 }, { 3, 1, 3, 4 }, { 3, 1, 1, 4 },
    };

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void AddSubMulDivBroadcast(int ra, int ca, int rb, int cb)
    {
        var a = Uniform(ra, ca, 0.5f, 1.5f, 8);
        var b = Uniform(rb, cb, 0.5f, 1.5f, 9);
        Run((t, x) => t.Add(x[0], x[1]), [a, b]);
        Run((t, x) => t.Sub(x[0], x[1]), [a, b]);
        Run((t, x) => t.Mul(x[0], x[1]), [a, b]);
        Run((t, x) => t.Div(x[0], x[1]), [a, b]);
    }

    [Fact]
    public void RankOneBiasBroadcastsAsRow()
    {
        var a = Uniform(3, 4, -1, 1, 10);
        var b = UniformVector(4, -1, 1, 11);
        Run((t, x) => t.Mul(t.Add(x[0], x[1]), x[1]), [a, b]);
    }

    [Fact]
    public void Affine() => Run((t, x) => t.Square(t.Affine(x[0], -1.5f, 0.25f)), [Uniform(3, 3, -1, 1, 12)]);

    [Fact]
    public void Relu() => Run((t, x) => t.Square(t.Relu(x[0])), [Separated(4, 5, 0.05f, 13)]);

    [Fact]
    public void Tanh() => Run((t, x) => t.Tanh(x[0]), [Uniform(4, 5, -2, 2, 14)]);

    [Fact]
    public void Sigmoid() => Run((t, x) => t.Sigmoid(x[0]), [Uniform(4, 5, -3, 3, 15)]);

    [Fact]
    public void Softplus() => Run((t, x) => t.Softplus(x[0]), [Uniform(4, 5, -4, 4, 16)]);

    [Fact]
    public void SoftplusIsStableForLargeInputs()
    {
        var tape = new Tape();
        var y = tape.Softplus(tape.Constant([-100f, 0f, 100f], 1, 3));
        Assert.Equal(0f, y[0], 6);
        Assert.Equal(MathF.Log(2f), y[1], 6);
        Assert.Equal(100f, y[2], 4);
    }

    [Fact]
    public void Swish() => Run((t, x) => t.Swish(x[0]), [Uniform(4, 5, -3, 3, 17)]);

    [Fact]
    public void Exp() => Run((t, x) => t.Exp(x[0]), [Uniform(4, 5, -1, 1, 18)]);

    [Fact]
    public void Log() => Run((t, x) => t.Log(x[0]), [Uniform(4, 5, 0.5f, 2, 19)]);

    [Fact]
    public void Square() => Run((t, x) => t.Mul(t.Square(x[0]), x[0]), [Uniform(4, 5, -1, 1, 20)]);

    [Fact]
    public void Clamp() => Run((t, x) => t.Square(t.Clamp(x[0], -0.3f, 0.4f)), [Separated(4, 5, 0.07f, 21)]);

    [Theory]
    [InlineData(3, 4)]
    [InlineData(3, 1)]
    [InlineData(1, 4)]
    public void MinimumMaximum(int rb, int cb)
    {
        var a = Separated(3, 4, 0.11f, 22);
        var b = Uniform(rb, cb, -0.5f, 0.5f, 23);
        // a sits on odd multiples of 0.055, b on even ones: no tie within eps.
        for (int i = 0; i < b.Length; i++) b[i] = MathF.Round(b[i] / 0.11f) * 0.11f;
        Run((t, x) => t.Square(t.Minimum(x[0], x[1])), [a, b]);
        Run((t, x) => t.Square(t.Maximum(x[0], x[1])), [a, b]);
    }

    [Fact]
    public void MinimumSplitsTiesEvenly()
    {
        var a = Tensor.FromRows([1f, 2f], 1, 2);
        var b = Tensor.FromRows([1f, 3f], 1, 2);
        a.RequiresGrad = b.RequiresGrad = true;
        var tape = new Tape();
        tape.Backward(tape.Sum(tape.Minimum(a, b)));
        Assert.Equal([0.5f, 1f], a.Grad!);
        Assert.Equal([0.5f, 0f], b.Grad!);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void SumAndMeanAlongAxis(int axis)
    {
        Run((t, x) => t.Square(t.Sum(x[0], axis)), [Uniform(3, 4, -1, 1, 24)]);
        Run((t, x) => t.Square(t.Mean(x[0], axis)), [Uniform(3, 4, -1, 1, 25)]);
    }

    [Fact]
    public void SumAndMeanOfAll()
    {
        Run((t, x) => t.Square(t.Sum(x[0])), [Uniform(3, 4, -1, 1, 26)]);
        Run((t, x) => t.Square(t.Mean(x[0])), [Uniform(3, 4, -1, 1, 27)]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void MaxAlongAxis(int axis) => Run((t, x) => t.Square(t.Max(x[0], axis)), [Separated(3, 4, 0.09f, 28)]);

    [Fact]
    public void Expand() => Run((t, x) => t.Square(t.Expand(x[0], 3, 4)), [Uniform(1, 4, -1, 1, 29)]);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void ConcatAndSlice(int axis)
    {
        var a = Uniform(3, 4, -1, 1, 30);
        var b = axis == 1 ? Uniform(3, 2, -1, 1, 31) : Uniform(2, 4, -1, 1, 31);
        Run((t, x) => t.Square(t.Concat(x[0], x[1], axis)), [a, b]);
        Run((t, x) => t.Square(t.Slice(x[0], axis, 1, 2)), [a]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Gather(int axis)
    {
        int[] idx = axis == 1 ? [2, 0, 3] : [1, 1, 0, 2];
        Run((t, x) => t.Square(t.Gather(x[0], idx, axis)), [Uniform(3, 4, -1, 1, 32)]);
    }

    [Fact]
    public void GatherRejectsOutOfRangeIndex()
    {
        var tape = new Tape();
        var x = tape.Full(2, 3, 1f);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => tape.Gather(x, [0, 3]));
        Assert.Contains("index 3", e.Message);
    }

    [Fact]
    public void GaussianLogDensity()
    {
        Run((t, x) => t.GaussianLogDensity(x[0], x[1], x[2]), [Uniform(3, 2, -1, 1, 33), Uniform(3, 2, -1, 1, 34), Uniform(3, 2, -1, 0.5f, 35)]);
        var tape = new Tape();
        var v = tape.GaussianLogDensity(tape.Constant([1.5f], 1, 1), tape.Constant([0.5f], 1, 1), tape.Constant([MathF.Log(2f)], 1, 1));
        double expected = -0.5 * 0.25 - Math.Log(2) - 0.5 * Math.Log(2 * Math.PI);
        Assert.Equal(expected, v[0], 5);
    }

    [Fact]
    public void TanhLogDetJacobian()
    {
        Run((t, x) => t.TanhLogDetJacobian(x[0]), [Uniform(3, 4, -3, 3, 36)]);
        var tape = new Tape();
        var u = tape.Constant([-2f, 0.3f, 1f, 15f], 1, 4);
        var v = tape.TanhLogDetJacobian(u);
        for (int i = 0; i < 3; i++) Assert.Equal(Math.Log(1 - Math.Pow(Math.Tanh(u[i]), 2)), v[i], 4);
        Assert.True(float.IsFinite(v[3]) && v[3] < -25f, "large |u| must stay finite");
    }

    [Fact]
    public void MseLoss()
    {
        Run((t, x) => t.Mse(x[0], x[1]), [Uniform(4, 2, -1, 1, 37), Uniform(4, 2, -1, 1, 38)]);
        var tape = new Tape();
        Assert.Equal(2.5f, tape.Mse(tape.Constant([1f, 2f], 1, 2), tape.Constant([0f, 0f], 1, 2)).ToScalar());
    }

    [Fact]
    public void BinaryCrossEntropyLoss()
    {
        Run((t, x) => t.BinaryCrossEntropy(t.Sigmoid(x[0]), x[1]), [Uniform(4, 2, -2, 2, 39), Uniform(4, 2, 0, 1, 40)]);
        var tape = new Tape();
        var loss = tape.BinaryCrossEntropy(tape.Constant([0.8f, 0.1f, 0f], 1, 3), tape.Constant([1f, 0f, 1f], 1, 3));
        // The zero probability of a positive is clamped at log = -100, as torch does.
        Assert.Equal((-Math.Log(0.8) - Math.Log(0.9) + 100) / 3, loss.ToScalar(), 4);
    }

    [Fact]
    public void ReusedTensorAccumulatesBothPaths() => Run((t, x) => t.Mul(t.Tanh(x[0]), t.Sigmoid(x[0])), [Uniform(2, 3, -1, 1, 41)]);

    [Fact]
    public void CompositeNetworkSecondOrder()
    {
        // A two-layer net whose loss touches many ops at once.
        Run((t, v) =>
        {
            var h = t.Linear(v[0], v[1], v[2], Activation.Tanh);
            var y = t.Linear(h, v[3], v[4], Activation.Sigmoid);
            return t.Mse(y, t.Concat(t.Slice(v[0], 1, 0, 1), t.Slice(v[0], 1, 1, 1)));
        }, [Uniform(4, 3, -1, 1, 42), Uniform(5, 3, -1, 1, 43), UniformVector(5, -1, 1, 44), Uniform(2, 5, -1, 1, 45), UniformVector(2, -1, 1, 46)]);
    }
}
