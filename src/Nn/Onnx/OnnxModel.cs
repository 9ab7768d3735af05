namespace OfflineSafety.Nn.Onnx;

/// <summary>
/// An ONNX model as <see cref="OnnxModelWriter"/> writes it: one graph against the default
/// ("ai.onnx") operator set at <see cref="OpsetVersion"/>, with producer and free-form metadata.
/// </summary>
public sealed record OnnxModel(OnnxGraph Graph, string ProducerName, string ProducerVersion, IReadOnlyList<KeyValuePair<string, string>> Metadata)
{
    /// <summary>
    /// Opset 17 (ONNX 1.12, 2022): every runtime in use reads it (ONNX Runtime 1.12 and later, Debian's
    /// python3-onnx 1.12), and it is the last one whose ReduceMax takes its axes as an attribute.
    /// </summary>
    public const int DefaultOpsetVersion = 17;

    /// <summary>IR version 8 is the one ONNX 1.12 introduced together with opset 17.</summary>
    public const long DefaultIrVersion = 8;

    public int OpsetVersion { get; init; } = DefaultOpsetVersion;
    public long IrVersion { get; init; } = DefaultIrVersion;
}

/// <summary>A computation graph: nodes in topological order, constant tensors, typed inputs and outputs.</summary>
public sealed record OnnxGraph(string Name, IReadOnlyList<OnnxNode> Nodes, IReadOnlyList<OnnxTensor> Initializers,
    IReadOnlyList<OnnxValueInfo> Inputs, IReadOnlyList<OnnxValueInfo> Outputs)
{
    public string Documentation { get; init; } = "";
}

/// <summary>One operator application of the default domain, e.g. Gemm or Relu, by value names.</summary>
public sealed record OnnxNode(string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, string Name)
{
    public IReadOnlyList<OnnxAttribute> Attributes { get; init; } = [];
}

/// <summary>A named operator attribute; one subtype per attribute type the writer knows.</summary>
public abstract record OnnxAttribute(string Name);

public sealed record OnnxIntAttribute(string Name, long Value) : OnnxAttribute(Name);

public sealed record OnnxFloatAttribute(string Name, float Value) : OnnxAttribute(Name);

public sealed record OnnxIntsAttribute(string Name, IReadOnlyList<long> Values) : OnnxAttribute(Name);

public sealed record OnnxStringAttribute(string Name, string Value) : OnnxAttribute(Name);

/// <summary>A float32 constant (a graph initializer), row-major; written as little-endian raw bytes.</summary>
public sealed record OnnxTensor
{
    public OnnxTensor(string name, IReadOnlyList<long> dims, float[] data)
    {
        long count = 1;
        foreach (long d in dims) count = d >= 0 ? count * d : throw new ArgumentException($"tensor '{name}' has a negative dimension {d}", nameof(dims));
        if (count != data.Length) throw new ArgumentException($"tensor '{name}' of shape [{string.Join(",", dims)}] needs {count} values, got {data.Length}", nameof(data));
        Name = name;
        Dims = dims;
        Data = data;
    }

    public string Name { get; }
    public IReadOnlyList<long> Dims { get; }
    public float[] Data { get; }
}

/// <summary>A graph input or output: a float32 tensor of the given shape.</summary>
public sealed record OnnxValueInfo(string Name, IReadOnlyList<OnnxDimension> Shape);

/// <summary>One dimension of a declared shape: a fixed size, or a named size the caller chooses (a batch).</summary>
public abstract record OnnxDimension
{
    public static OnnxDimension Fixed(long size) => new FixedDimension(size);
    public static OnnxDimension Symbolic(string name) => new SymbolicDimension(name);
}

public sealed record FixedDimension(long Size) : OnnxDimension;

public sealed record SymbolicDimension(string Name) : OnnxDimension;
