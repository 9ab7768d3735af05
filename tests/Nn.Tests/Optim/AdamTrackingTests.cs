using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Nn.Tests.Optim;

public class AdamTrackingTests
{
    // Trains a critic-sized network (67K parameters: Adam splits across threads) a few steps, its
    // target tracked either in Adam's step or by a separate Polyak pass afterwards.
    static int[] Train(bool fused, int threads, bool freezeHead)
    {
        var compute = new ComputeOptions { Threads = threads };
        var rng = new Xoshiro256StarStar(3);
        var net = new Mlp(4, [256, 256], 2, rng);
        var target = new Mlp(4, [256, 256], 2, rng);
        // A parameter without a gradient is not stepped, but its target must still move toward it.
        if (freezeHead) net.Parameters[^1].RequiresGrad = false;
        var adam = new Adam(net.Parameters, 1e-3f, compute: compute);
        var tape = new Tape(compute);
        var x = Tensor.Matrix(64, 4);
        var y = Tensor.Matrix(64, 2);
        for (int step = 0; step < 4; step++)
        {
            rng.FillNormal(x.Data);
            rng.FillUniform(y.Data, 0, 1);
            tape.Reset();
            adam.ZeroGrad();
            tape.Backward(tape.Mse(net.Forward(tape, x), y));
            Assert.Equal(freezeHead, net.Parameters[^1].Grad is null);
            if (fused) adam.Step(target.Parameters, 0.05f);
            else
            {
                adam.Step();
                PolyakAveraging.Update(target.Parameters, net.Parameters, 0.05f, compute);
            }
        }
        return [.. net.Parameters.Concat(target.Parameters).SelectMany(p => p.Data.ToArray()).Select(BitConverter.SingleToInt32Bits)];
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    public void Tracking_a_target_in_the_step_gives_the_bits_of_a_separate_Polyak_update(int threads, bool freezeHead) =>
        Assert.Equal(Train(fused: false, threads, freezeHead), Train(fused: true, threads, freezeHead));

    [Fact]
    public void A_target_that_does_not_match_the_parameters_is_refused()
    {
        var rng = new Xoshiro256StarStar(1);
        var net = new Mlp(4, [8], 2, rng);
        var other = new Mlp(4, [9], 2, rng);
        var adam = new Adam(net.Parameters);
        Assert.Contains("target 0", Assert.Throws<ArgumentException>(() => adam.Step(other.Parameters, 0.1f)).Message);
        Assert.Throws<ArgumentException>(() => adam.Step(net.Parameters.Take(2).ToArray(), 0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.Step(new Mlp(4, [8], 2, rng).Parameters, 1.5f));
    }
}
