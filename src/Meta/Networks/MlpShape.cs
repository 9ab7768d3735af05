using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Networks;

/// <summary>One parameter tensor inside a flat parameter vector: rows x cols values starting at Offset.</summary>
public sealed record ParameterTensor(string Name, int Offset, int Rows, int Cols)
{
    public int Length => Rows * Cols;
}

/// <summary>
/// The shape of a fully connected network (ReLU hidden layers, a chosen output activation) and the
/// layout of its parameters in ONE flat float vector: per layer the weight [out, in] then the bias
/// [out]. A flat vector makes Adam, Polyak averaging, gradient clipping, Hessian-vector products and
/// per-tensor learning rates plain loops over spans.
/// </summary>
public sealed class MlpShape
{
    private readonly int[] _weightOffset;
    private readonly int[] _biasOffset;

    public MlpShape(int inputs, IReadOnlyList<int> hidden, int outputs, Activation outputActivation, string prefix = "")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        if (outputActivation is Activation.Relu) throw new ArgumentException("the output layer takes none, sigmoid or tanh", nameof(outputActivation));
        Widths = [inputs, .. hidden, outputs];
        OutputActivation = outputActivation;
        _weightOffset = new int[Layers];
        _biasOffset = new int[Layers];
        var tensors = new List<ParameterTensor>();
        int offset = 0;
        for (int l = 0; l < Layers; l++)
        {
            _weightOffset[l] = offset;
            tensors.Add(new ParameterTensor($"{prefix}layers.{l}.weight", offset, Widths[l + 1], Widths[l]));
            offset += Widths[l + 1] * Widths[l];
            _biasOffset[l] = offset;
            tensors.Add(new ParameterTensor($"{prefix}layers.{l}.bias", offset, 1, Widths[l + 1]));
            offset += Widths[l + 1];
        }
        Tensors = tensors;
        ParameterCount = offset;
    }

    /// <summary>Input width, hidden widths, output width.</summary>
    public int[] Widths { get; }
    public int Layers => Widths.Length - 1;
    public int Inputs => Widths[0];
    public int Outputs => Widths[^1];
    public Activation OutputActivation { get; }
    public int ParameterCount { get; }
    public IReadOnlyList<ParameterTensor> Tensors { get; }

    public Activation ActivationOf(int layer) => layer == Layers - 1 ? OutputActivation : Activation.Relu;
    public int WeightOffset(int layer) => _weightOffset[layer];
    public int BiasOffset(int layer) => _biasOffset[layer];

    /// <summary>The layers as Nn's forward-only evaluator takes them (<see cref="OfflineSafety.Nn.Layers.MlpForward"/>).</summary>
    public OfflineSafety.Nn.Layers.DenseLayer[] DenseLayers() =>
        [.. Enumerable.Range(0, Layers).Select(l => new OfflineSafety.Nn.Layers.DenseLayer(Widths[l], Widths[l + 1], _weightOffset[l], _biasOffset[l], ActivationOf(l)))];

    /// <summary>PyTorch's default Linear initialisation, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases.</summary>
    public void Initialize(Span<float> parameters, Xoshiro256StarStar random)
    {
        if (parameters.Length != ParameterCount) throw new ArgumentException($"expected {ParameterCount} parameters, got {parameters.Length}");
        for (int l = 0; l < Layers; l++)
        {
            float bound = 1f / MathF.Sqrt(Widths[l]);
            var w = parameters.Slice(_weightOffset[l], Widths[l + 1] * Widths[l] + Widths[l + 1]);
            for (int i = 0; i < w.Length; i++) w[i] = (2f * random.NextFloat() - 1f) * bound;
        }
    }
}
