using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Optim;

namespace OfflineSafety.Nn.Tests.Kernels;

public class PackedPanelTests
{
    static readonly GemmKernel[] Kernels =
        System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? [GemmKernel.Auto, GemmKernel.Avx2, GemmKernel.Avx512, GemmKernel.Scalar]
        : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? [GemmKernel.Auto, GemmKernel.Avx2, GemmKernel.Scalar]
        : [GemmKernel.Auto];

    [Theory]
    [InlineData(4, 256)]
    [InlineData(256, 256)]
    [InlineData(300, 100)]   // k beyond one 256-deep block, n not a whole number of strips
    [InlineData(600, 33)]
    public void A_row_gets_the_same_bits_whatever_the_batch_it_is_scored_in(int inF, int outF)
    {
        // Scores must not depend on how many rows were scored together (a service scores one row,
        // a batch job thousands): rows of a partial row block take the one-row kernel, full blocks the tile.
        const int full = 100;
        var x = Reference.Random(full * inF, 1, 2f);
        var w = Tensor.FromRows(Reference.Random(outF * inF, 2, 0.5f), outF, inF);
        var bias = Reference.Random(outF, 3);
        foreach (var kernel in Kernels)
        {
            var options = new ComputeOptions { Kernel = kernel, Threads = 2 };
            var expected = new float[full * outF];
            Gemm.LinearForward(x, full, inF, w.Values, bias, outF, expected, Activation.Sigmoid, options);
            foreach (int rows in new[] { 1, 2, 3, 5, 6, 7, 11, 13, 37 })
                foreach (bool kept in new[] { false, true })
                {
                    var y = new float[rows * outF];
                    if (kept) Gemm.LinearForward(x.AsSpan(0, rows * inF), rows, inF, w, 0, bias, outF, y, Activation.Sigmoid, options);
                    else Gemm.LinearForward(x.AsSpan(0, rows * inF), rows, inF, w.Values, bias, outF, y, Activation.Sigmoid, options);
                    Assert.True(expected.AsSpan(0, rows * outF).SequenceEqual(y), $"{kernel}, {rows} rows, kept panels {kept}");
                }
        }
    }

    [Fact]
    public void Kept_panels_follow_every_change_of_the_weights()
    {
        int batch = 9, inF = 40, outF = 50;
        var x = Tensor.FromRows(Reference.Random(batch * inF, 4), batch, inF);
        var w = Tensor.FromRows(Reference.Random(outF * inF, 5), outF, inF);
        w.RequiresGrad = true;
        var tape = new Tape();

        void AssertFresh(string after)
        {
            tape.Reset();
            var kept = tape.Linear(x, w, null, Activation.Tanh).Values.ToArray();
            var fresh = new float[batch * outF];
            Gemm.LinearForward(x.Values, batch, inF, w.Values.ToArray(), ReadOnlySpan<float>.Empty, outF, fresh, Activation.Tanh);
            Assert.True(fresh.AsSpan().SequenceEqual(kept), $"stale panels after {after}");
        }

        AssertFresh("the first product");
        AssertFresh("no change");
        w.Data[7] += 1f;
        AssertFresh("a write through Data");
        w[3, 2] = -2f;
        AssertFresh("a write through the indexer");
        w.Row(4).Fill(0.25f);
        AssertFresh("a write through Row");
        w.CopyFrom(Tensor.FromRows(Reference.Random(outF * inF, 6), outF, inF));
        AssertFresh("CopyFrom");
        var adam = new Adam([w], 0.1f);
        tape.Reset();
        tape.Backward(tape.Sum(tape.Linear(x, w, null, Activation.Tanh)));
        adam.Step();
        AssertFresh("an Adam step");
        var source = Tensor.FromRows(Reference.Random(outF * inF, 7), outF, inF);
        PolyakAveraging.Update([w], [source], 0.5f);
        AssertFresh("Polyak averaging");
    }

    [Fact]
    public void Input_gradients_through_kept_panels_match_the_plain_product()
    {
        // dX = dY W reuses W's panels in the other layout; a second backward with W changed in between must see the change.
        int batch = 7, inF = 30, outF = 20;
        var x = Tensor.FromRows(Reference.Random(batch * inF, 8), batch, inF);
        x.RequiresGrad = true;
        var w = Tensor.FromRows(Reference.Random(outF * inF, 9), outF, inF);
        var tape = new Tape();
        for (int round = 0; round < 2; round++)
        {
            x.ZeroGrad();
            tape.Reset();
            tape.Backward(tape.Sum(tape.Linear(x, w, null)));
            var expected = new float[batch * inF];
            var ones = new float[batch * outF];
            Array.Fill(ones, 1f);
            Gemm.Sgemm(false, false, batch, inF, outF, 1f, ones, outF, w.Values.ToArray(), inF, 0f, expected, inF);
            Assert.True(expected.AsSpan().SequenceEqual(x.GradSpan), $"round {round}");
            w.Data.Reverse();
        }
    }

    [Fact]
    public void A_split_product_packs_for_itself_while_the_weights_change_and_keeps_them_once_they_stop()
    {
        // Large enough (256 x 256 x 256) to be split across two threads: while the weights change
        // between products each part packs its own panels, and once they stop changing the panels are
        // kept; every product must give the plain product's bits, in both layouts (forward and dX).
        int batch = 256, inF = 256, outF = 256;
        var x = Reference.Random(batch * inF, 11);
        var dy = Reference.Random(batch * outF, 12);
        var w = Tensor.FromRows(Reference.Random(outF * inF, 13), outF, inF);
        foreach (var kernel in Kernels)
        {
            var options = new ComputeOptions { Kernel = kernel, Threads = 2 };
            for (int call = 0; call < 6; call++)
            {
                if (call < 3) w.Data[call * 31] += 0.5f;
                var plain = w.Values.ToArray();
                var expected = new float[batch * outF];
                var y = new float[batch * outF];
                Gemm.LinearForward(x, batch, inF, plain, ReadOnlySpan<float>.Empty, outF, expected, Activation.Relu, options);
                Gemm.LinearForward(x, batch, inF, w, 0, ReadOnlySpan<float>.Empty, outF, y, Activation.Relu, options);
                Assert.True(expected.AsSpan().SequenceEqual(y), $"{kernel}, forward, call {call}");
                var dxExpected = new float[batch * inF];
                var dx = new float[batch * inF];
                Gemm.Sgemm(false, false, batch, inF, outF, 1f, dy, outF, plain, inF, 0f, dxExpected, inF, options);
                Gemm.Sgemm(false, false, batch, inF, outF, 1f, dy, outF, w, 0, inF, 0f, dx, inF, options);
                Assert.True(dxExpected.AsSpan().SequenceEqual(dx), $"{kernel}, dX, call {call}");
            }
        }
    }
}
