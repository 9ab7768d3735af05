using OfflineSafety.Meta.Networks;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Onnx;

namespace OfflineSafety.Meta.Export;

/// <summary>
/// The ONNX nodes and initializers that compute what <see cref="MlpPass.Forward"/> computes for an
/// <see cref="MlpShape"/>: per layer Gemm(x, W, b) with W stored [out, in] as in our flat layout
/// (transB = 1, so no transposed copy), ReLU between layers, the shape's output activation last.
/// </summary>
public sealed record MlpOnnxNodes(IReadOnlyList<OnnxNode> Nodes, IReadOnlyList<OnnxTensor> Initializers)
{
    /// <summary>Nodes from value <paramref name="input"/> to value <paramref name="output"/>; names of
    /// intermediate values and initializers start with <paramref name="prefix"/>.</summary>
    public static MlpOnnxNodes Build(MlpShape shape, ReadOnlySpan<float> parameters, string input, string output, string prefix)
    {
        if (parameters.Length != shape.ParameterCount)
            throw new ArgumentException($"an MLP of widths [{string.Join(",", shape.Widths)}] has {shape.ParameterCount} parameters, got {parameters.Length}", nameof(parameters));
        var nodes = new List<OnnxNode>();
        var initializers = new List<OnnxTensor>();
        string x = input;
        for (int l = 0; l < shape.Layers; l++)
        {
            int inF = shape.Widths[l], outF = shape.Widths[l + 1];
            string weight = $"{prefix}layers.{l}.weight", bias = $"{prefix}layers.{l}.bias";
            initializers.Add(new OnnxTensor(weight, [outF, inF], parameters.Slice(shape.WeightOffset(l), outF * inF).ToArray()));
            initializers.Add(new OnnxTensor(bias, [outF], parameters.Slice(shape.BiasOffset(l), outF).ToArray()));
            var activation = shape.ActivationOf(l);
            bool last = l == shape.Layers - 1;
            string z = last && activation is Activation.None ? output : $"{prefix}layers.{l}.z";
            nodes.Add(new OnnxNode("Gemm", [x, weight, bias], [z], $"{prefix}layers.{l}.gemm")
            {
                Attributes = [new OnnxIntAttribute("transB", 1)],
            });
            if (activation is not Activation.None)
            {
                string a = last ? output : $"{prefix}layers.{l}.a";
                nodes.Add(new OnnxNode(OpOf(activation), [z], [a], $"{prefix}layers.{l}.{OpOf(activation).ToLowerInvariant()}"));
                x = a;
            }
            else x = z;
        }
        return new MlpOnnxNodes(nodes, initializers);
    }

    private static string OpOf(Activation activation) => activation switch
    {
        Activation.Relu => "Relu",
        Activation.Sigmoid => "Sigmoid",
        Activation.Tanh => "Tanh",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "no ONNX operator for this activation"),
    };
}
