using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Nn.Tests.Kernels;

public class LinearTests
{
    [Theory]
    [InlineData(Activation.None, 100, 4, 256)]
    [InlineData(Activation.Relu, 37, 19, 33)]
    [InlineData(Activation.Tanh, 256, 256, 2)]
    [InlineData(Activation.Sigmoid, 5, 300, 17)]
    [InlineData(Activation.Tanh, 1, 3, 1)]
    public void LinearForward_fuses_bias_and_activation(Activation act, int batch, int inF, int outF)
    {
        foreach (var kernel in new[] { GemmKernel.Auto, GemmKernel.Scalar })
        {
            var x = Reference.Random(batch * inF, 1, 2f);
            var w = Reference.Random(outF * inF, 2, 0.5f);
            var bias = Reference.Random(outF, 3);
            var y = new float[batch * outF];
            Gemm.LinearForward(x, batch, inF, w, bias, outF, y, act, new ComputeOptions { Kernel = kernel });

            for (int i = 0; i < batch; i++)
                for (int o = 0; o < outF; o++)
                {
                    double pre = bias[o], mag = Math.Abs(bias[o]);
                    for (int p = 0; p < inF; p++) { pre += (double)x[i * inF + p] * w[o * inF + p]; mag += Math.Abs((double)x[i * inF + p] * w[o * inF + p]); }
                    double expected = Reference.Activate(act, pre);
                    // Activations are 1-Lipschitz here, so the pre-activation error bound carries over,
                    // plus the activation's own rounding.
                    double tol = 2e-6 * mag + 1e-6 + 3e-7 * Math.Abs(expected);
                    Assert.True(Math.Abs(y[i * outF + o] - expected) <= tol, $"{act} {kernel} y[{i},{o}] = {y[i * outF + o]}, expected {expected}");
                }
        }
    }

    [Fact]
    public void LinearForward_without_bias_is_the_plain_product()
    {
        var x = Reference.Random(6 * 4, 1);
        var w = Reference.Random(3 * 4, 2);
        var y = new float[6 * 3];
        var expected = new float[6 * 3];
        Gemm.LinearForward(x, 6, 4, w, [], 3, y, Activation.None);
        Gemm.Sgemm(false, true, 6, 3, 4, 1f, x, 4, w, 4, 0f, expected, 3);
        Assert.Equal(expected, y);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LinearBackward_gives_dX_dW_and_db(bool accumulate)
    {
        int batch = 33, inF = 7, outF = 20;
        var x = Reference.Random(batch * inF, 1);
        var w = Reference.Random(outF * inF, 2);
        var dy = Reference.Random(batch * outF, 3);
        var dx = new float[batch * inF];
        var dw = Reference.Random(outF * inF, 4);
        var db = Reference.Random(outF, 5);
        var dw0 = (float[])dw.Clone();
        var db0 = (float[])db.Clone();

        Gemm.LinearBackward(x, batch, inF, w, outF, dy, dx, dw, db, accumulate);

        for (int i = 0; i < batch; i++)
            for (int p = 0; p < inF; p++)
            {
                double e = 0;
                for (int o = 0; o < outF; o++) e += (double)dy[i * outF + o] * w[o * inF + p];
                Assert.Equal(e, dx[i * inF + p], 1e-5);
            }
        for (int o = 0; o < outF; o++)
        {
            for (int p = 0; p < inF; p++)
            {
                double e = accumulate ? dw0[o * inF + p] : 0;
                for (int i = 0; i < batch; i++) e += (double)dy[i * outF + o] * x[i * inF + p];
                Assert.Equal(e, dw[o * inF + p], 1e-5);
            }
            double s = accumulate ? db0[o] : 0;
            for (int i = 0; i < batch; i++) s += dy[i * outF + o];
            Assert.Equal(s, db[o], 1e-5);
        }
    }

    [Fact]
    public void LinearBackward_skips_outputs_given_as_empty_spans()
    {
        var dw = new float[2 * 3];
        Gemm.LinearBackward(Reference.Random(4 * 3, 1), 4, 3, Reference.Random(2 * 3, 2), 2, Reference.Random(4 * 2, 3),
            Span<float>.Empty, dw, Span<float>.Empty, accumulate: false);
        Assert.Contains(dw, v => v != 0f);
    }

    [Fact]
    public void ColumnSums_respects_leading_dimension()
    {
        // 3 x 10 view of a matrix with 12 floats per row; the 2 padding columns must not be summed.
        var m = new float[3 * 12];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 12; j++) m[i * 12 + j] = j < 10 ? i + j : 1000f;
        var sums = new float[10];
        Gemm.ColumnSums(m, 3, 10, 12, sums, accumulate: false);
        for (int j = 0; j < 10; j++) Assert.Equal(3 + 3 * j, sums[j]);
    }
}
