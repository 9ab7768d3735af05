using Microsoft.ML.OnnxRuntime;

namespace OfflineSafety.Bench.Anchors;

/// <summary>
/// ONNX Runtime (Microsoft.ML.OnnxRuntime, CPU provider) running one exported model with
/// preallocated input and output buffers, the fastest way its C# API offers: no allocation per run,
/// one native call. Sequential execution, graph optimisations on, <paramref name="threads"/> intra-op
/// threads. Not safe for concurrent use.
/// </summary>
public sealed class OnnxRuntimeSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    public OnnxRuntimeSession(byte[] model, int threads, IReadOnlyList<(string Name, float[] Values, long[] Shape)> inputs,
        IReadOnlyList<(string Name, float[] Values, long[] Shape)> outputs)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(model, options);
        _inputNames = inputs.Select(i => i.Name).ToArray();
        _outputNames = outputs.Select(o => o.Name).ToArray();
        _inputs = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Values, i.Shape)).ToArray();
        _outputs = outputs.Select(o => OrtValue.CreateTensorValueFromMemory(o.Values, o.Shape)).ToArray();
        Threads = threads;
    }

    public int Threads { get; }

    public static string Version => typeof(InferenceSession).Assembly.GetName().Version?.ToString() ?? "?";

    public void Run() => _session.Run(_run, _inputNames, _inputs, _outputNames, _outputs);

    public void Dispose()
    {
        foreach (var v in _inputs) v.Dispose();
        foreach (var v in _outputs) v.Dispose();
        _run.Dispose();
        _session.Dispose();
    }
}
