using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Nn.Tests.Layers;

[Collection(AllocationMeasurement.Name)]
public class MlpForwardTests
{
    private static (DenseLayer[] Layers, Tensor Parameters) Network(int[] widths, Activation output, ulong seed)
    {
        var layers = new DenseLayer[widths.Length - 1];
        int offset = 0;
        for (int l = 0; l < layers.Length; l++)
        {
            layers[l] = new DenseLayer(widths[l], widths[l + 1], offset, offset + widths[l] * widths[l + 1], l == layers.Length - 1 ? output : Activation.Relu);
            offset += widths[l] * widths[l + 1] + widths[l + 1];
        }
        var parameters = Tensor.Vector(offset);
        new Xoshiro256StarStar(seed).FillUniform(parameters.Data, -0.2f, 0.2f);
        return (layers, parameters);
    }

    // Layer by layer through the plain GEMM on one thread, the whole batch at once.
    private static float[] Reference(DenseLayer[] layers, Tensor parameters, float[] input, int rows, GemmKernel kernel)
    {
        var x = input;
        foreach (var layer in layers)
        {
            var y = new float[rows * layer.Outputs];
            Gemm.LinearForward(x, rows, layer.Inputs, parameters.Values.Slice(layer.WeightOffset, layer.Inputs * layer.Outputs),
                parameters.Values.Slice(layer.BiasOffset, layer.Outputs), layer.Outputs, y, layer.Activation, new ComputeOptions { Threads = 1, Kernel = kernel });
            x = y;
        }
        return x;
    }

    [Theory]
    [InlineData(GemmKernel.Auto)]
    [InlineData(GemmKernel.Scalar)]
    public void Matches_the_layer_by_layer_product_bit_for_bit_whatever_the_rows_and_threads(GemmKernel kernel)
    {
        var (layers, parameters) = Network([4, 256, 256, 2], Activation.Sigmoid, 5);
        const int MaxRows = 1000;
        var input = new float[MaxRows * 4];
        new Xoshiro256StarStar(6).FillNormal(input);
        var expected = Reference(layers, parameters, input, MaxRows, kernel);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var forward = new MlpForward(layers, new ComputeOptions { Threads = threads, Kernel = kernel });
            foreach (int rows in new[] { 1, 3, 13, 50, 100, 193, 385, MaxRows })
            {
                var output = new float[rows * 2];
                forward.Run(parameters, input, rows, output);
                Assert.Equal(expected.AsSpan(0, rows * 2).ToArray(), output);
            }
        }
    }

    [Fact]
    public void Scoring_does_not_allocate_once_warm()
    {
        var (layers, parameters) = Network([4, 64, 64, 2], Activation.Sigmoid, 7);
        var forward = new MlpForward(layers, new ComputeOptions { Threads = 2 });
        var input = new float[500 * 4];
        var output = new float[500 * 2];
        for (int i = 0; i < 3; i++) forward.Run(parameters, input, 500, output);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) forward.Run(parameters, input, 500, output);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Rejects_layers_that_do_not_chain()
    {
        Assert.Throws<ArgumentException>(() => new MlpForward([new DenseLayer(4, 8, 0, 32, Activation.Relu), new DenseLayer(9, 2, 40, 58, Activation.None)]));
    }
}
