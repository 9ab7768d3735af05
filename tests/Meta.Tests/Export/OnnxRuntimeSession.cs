using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace OfflineSafety.Meta.Tests.Export;

/// <summary>Runs an ONNX file in ONNX Runtime (CPU) with named float32 inputs and returns every output, flattened row-major.</summary>
internal static class OnnxRuntimeSession
{
    public static IReadOnlyDictionary<string, float[]> Run(byte[] model, params (string Name, float[] Values, int[] Shape)[] inputs)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model, options);
        var values = inputs.Select(i => NamedOnnxValue.CreateFromTensor(i.Name, new DenseTensor<float>(i.Values, i.Shape))).ToList();
        using var results = session.Run(values);
        return results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());
    }
}
