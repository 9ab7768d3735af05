using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Nn.Layers;

/// <summary>
/// Multi-layer perceptron: Linear layers with one activation between them and an optional output
/// activation. <see cref="Parameters"/> is [W0, b0, W1, b1, ...]; any list of the same shapes can
/// stand in for it in <see cref="Forward(Tape, Tensor, IReadOnlyList{Tensor})"/>, which is how
/// MAML evaluates adapted ("fast") weights that live on the tape. Several output heads are
/// column blocks of the last layer (<see cref="Head"/>).
/// </summary>
public sealed class Mlp
{
    readonly Linear[] _layers;
    readonly Tensor[] _parameters;

    public int InputSize { get; }
    public int OutputSize { get; }
    public Activation HiddenActivation { get; }
    public Activation OutputActivation { get; }
    public IReadOnlyList<Linear> Layers => _layers;
    public IReadOnlyList<Tensor> Parameters => _parameters;

    public Mlp(int inputSize, IReadOnlyList<int> hiddenSizes, int outputSize, Xoshiro256StarStar rng,
        Activation hiddenActivation = Activation.Relu, Activation outputActivation = Activation.None)
    {
        InputSize = inputSize;
        OutputSize = outputSize;
        HiddenActivation = hiddenActivation;
        OutputActivation = outputActivation;
        _layers = new Linear[hiddenSizes.Count + 1];
        int width = inputSize;
        for (int i = 0; i < hiddenSizes.Count; i++)
        {
            _layers[i] = new Linear(width, hiddenSizes[i], rng);
            width = hiddenSizes[i];
        }
        _layers[^1] = new Linear(width, outputSize, rng);
        _parameters = new Tensor[2 * _layers.Length];
        for (int i = 0; i < _layers.Length; i++)
        {
            // Names follow torch.nn.Sequential(Linear, act, Linear, ...) so weights interoperate.
            _layers[i].Weight.Name = $"{2 * i}.weight";
            _layers[i].Bias!.Name = $"{2 * i}.bias";
            _parameters[2 * i] = _layers[i].Weight;
            _parameters[2 * i + 1] = _layers[i].Bias!;
        }
    }

    public Tensor Forward(Tape tape, Tensor x) => Forward(tape, x, _parameters);

    /// <summary>Forward with substitute parameters (same order and shapes as <see cref="Parameters"/>).</summary>
    public Tensor Forward(Tape tape, Tensor x, IReadOnlyList<Tensor> parameters)
    {
        if (parameters.Count != _parameters.Length)
            throw new ArgumentException($"expected {_parameters.Length} parameter tensors, got {parameters.Count}", nameof(parameters));
        var h = x;
        for (int i = 0; i < _layers.Length; i++)
        {
            var act = i == _layers.Length - 1 ? OutputActivation : HiddenActivation;
            h = tape.Linear(h, parameters[2 * i], parameters[2 * i + 1], act);
        }
        return h;
    }

    /// <summary>Columns [head*headSize, (head+1)*headSize) of an output, e.g. one critic of a twin-head critic.</summary>
    public static Tensor Head(Tape tape, Tensor output, int head, int headSize) => tape.Slice(output, 1, head * headSize, headSize);

    /// <summary>Copies all parameter values from <paramref name="source"/> (a target-network hard update).</summary>
    public void CopyFrom(Mlp source)
    {
        if (source._parameters.Length != _parameters.Length) throw new ArgumentException("networks differ in depth", nameof(source));
        for (int i = 0; i < _parameters.Length; i++) _parameters[i].CopyFrom(source._parameters[i]);
    }

    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.ZeroGrad();
    }
}
