using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Nn.Tests.Layers;

public class LayerTests
{
    [Fact]
    public void LinearInitialisationFollowsTorchBounds()
    {
        // PyTorch: W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        var layer = new Linear(100, 256, new Xoshiro256StarStar(3));
        float bound = 1f / MathF.Sqrt(100);
        var w = layer.Weight.Data.ToArray();
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.All(layer.Bias!.Data.ToArray(), v => Assert.InRange(v, -bound, bound));
        // Uniform moments: mean 0, variance bound^2 / 3 (25,600 draws: 5 sigma margins).
        double mean = w.Average(v => (double)v);
        double variance = w.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, -5 * bound / Math.Sqrt(3 * w.Length), 5 * bound / Math.Sqrt(3 * w.Length));
        Assert.InRange(variance / (bound * bound / 3), 0.97, 1.03);
        // Both tails are reached.
        Assert.True(w.Min() < -0.99f * bound && w.Max() > 0.99f * bound);
        Assert.Equal(256, layer.Bias.Length);
        Assert.Equal([256, 100], layer.Weight.Shape);
    }

    [Fact]
    public void MlpWiresLayersAndNamesLikeTorchSequential()
    {
        var net = new Mlp(4, [16, 8], 3, new Xoshiro256StarStar(1));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"], net.Parameters.Select(p => p.Name));
        Assert.Equal([16, 4], net.Parameters[0].Shape);
        Assert.Equal([3, 8], net.Parameters[4].Shape);
        var tape = new Tape();
        var y = net.Forward(tape, Tensor.FromRows(new float[20], 5, 4));
        Assert.Equal([5, 3], y.Shape);
        var head = Mlp.Head(tape, y, 1, 1);
        Assert.Equal(y[0, 1], head[0]);
    }

    [Fact]
    public void FunctionalForwardUsesSubstituteParameters()
    {
        var rng = new Xoshiro256StarStar(5);
        var a = new Mlp(3, [6], 2, rng);
        var b = new Mlp(3, [6], 2, rng);
        var x = Tensor.FromRows([0.1f, -0.4f, 0.9f, 1f, 2f, -3f], 2, 3);
        var tape = new Tape();
        var viaA = a.Forward(tape, x, b.Parameters).Data.ToArray();
        var viaB = b.Forward(tape, x).Data.ToArray();
        Assert.Equal(viaB, viaA);
        Assert.NotEqual(viaB, a.Forward(tape, x).Data.ToArray());
        Assert.Throws<ArgumentException>(() => a.Forward(tape, x, b.Parameters.Take(3).ToArray()));
    }

    [Fact]
    public void MlpLearnsXor()
    {
        var net = new Mlp(2, [16], 1, new Xoshiro256StarStar(2), Activation.Tanh, Activation.Sigmoid);
        var x = Tensor.FromRows([0, 0, 0, 1, 1, 0, 1, 1], 4, 2);
        var y = Tensor.FromRows([0, 1, 1, 0], 4, 1);
        var adam = new Adam(net.Parameters, 0.05f);
        var tape = new Tape();
        float loss = 0;
        for (int step = 0; step < 500; step++)
        {
            tape.Reset();
            adam.ZeroGrad();
            var l = tape.BinaryCrossEntropy(net.Forward(tape, x), y);
            loss = l.ToScalar();
            tape.Backward(l);
            adam.Step();
        }
        Assert.True(loss < 0.02f, $"XOR loss {loss}");
        tape.Reset();
        var p = net.Forward(tape, x);
        Assert.True(p[0] < 0.1f && p[1] > 0.9f && p[2] > 0.9f && p[3] < 0.1f);
    }

    [Fact]
    public void MlpFitsSineWithSgdMomentum()
    {
        var net = new Mlp(1, [32, 32], 1, new Xoshiro256StarStar(4), Activation.Tanh);
        int n = 64;
        var x = Tensor.Matrix(n, 1);
        var y = Tensor.Matrix(n, 1);
        for (int i = 0; i < n; i++)
        {
            x[i] = -3f + 6f * i / (n - 1);
            y[i] = MathF.Sin(x[i]);
        }
        var sgd = new SgdMomentum(net.Parameters, 0.05f, 0.9f);
        var tape = new Tape();
        float loss = 0;
        for (int step = 0; step < 1500; step++)
        {
            tape.Reset();
            sgd.ZeroGrad();
            var l = tape.Mse(net.Forward(tape, x), y);
            loss = l.ToScalar();
            tape.Backward(l);
            sgd.Step();
        }
        Assert.True(loss < 5e-3f, $"sine fit loss {loss}");
    }

    static float[] TrainTwice(ulong seed, int threads = 2, int width = 32, int batch = 64, int steps = 50)
    {
        var rng = new Xoshiro256StarStar(seed);
        var net = new Mlp(3, [width, width], 2, rng);
        var target = new Mlp(3, [width, width], 2, rng);
        target.CopyFrom(net);
        var adam = new Adam(net.Parameters, 1e-3f);
        var tape = new Tape(new ComputeOptions { Threads = threads });
        var x = Tensor.Matrix(batch, 3);
        var y = Tensor.Matrix(batch, 2);
        for (int step = 0; step < steps; step++)
        {
            rng.FillNormal(x.Data);
            rng.FillUniform(y.Data, 0, 1);
            tape.Reset();
            adam.ZeroGrad();
            tape.Backward(tape.Mse(tape.Sigmoid(net.Forward(tape, x)), y));
            GradientClipping.ClipGlobalNorm(net.Parameters, 1f);
            adam.Step();
            PolyakAveraging.Update(target.Parameters, net.Parameters, 0.01f);
        }
        return net.Parameters.Concat(target.Parameters).SelectMany(p => p.Data.ToArray()).ToArray();
    }

    [Fact]
    public void SameSeedGivesBitIdenticalParameters()
    {
        var a = TrainTwice(9);
        var b = TrainTwice(9);
        Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
        Assert.NotEqual(a, TrainTwice(10));
    }

    [Fact]
    public void ThreadCountDoesNotChangeResults()
    {
        // Large enough (256 x 128 x 128) for the GEMMs to split across threads.
        var one = TrainTwice(12, threads: 1, width: 128, batch: 256, steps: 5);
        var two = TrainTwice(12, threads: 2, width: 128, batch: 256, steps: 5);
        Assert.Equal(one.Select(BitConverter.SingleToInt32Bits), two.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void PolyakUpdateMovesTargetByTau()
    {
        var target = new[] { Tensor.FromVector([1f, 2f]) };
        var source = new[] { Tensor.FromVector([3f, -2f]) };
        PolyakAveraging.Update(target, source, 0.25f);
        Assert.Equal(1.5f, target[0][0], 6);
        Assert.Equal(1f, target[0][1], 6);
    }
}
