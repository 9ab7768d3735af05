using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.DualAgent;

/// <summary>
/// A deterministic policy u = pi(s) in squashed units [-1, 1] (ReLU hidden layers, tanh output, as the
/// dual-agent paper's agents), reading normalised observations.
/// </summary>
public sealed class DeterministicActor
{
    private readonly Tape _actTape = new();

    public DeterministicActor(int obsDim, int actDim, IReadOnlyList<int> hidden, Xoshiro256StarStar random)
    {
        ObsDim = obsDim;
        ActDim = actDim;
        Hidden = hidden.ToArray();
        Network = new Mlp(obsDim, hidden, actDim, random, Activation.Relu, Activation.Tanh);
    }

    public int ObsDim { get; }
    public int ActDim { get; }
    public int[] Hidden { get; }
    public Mlp Network { get; }

    public Tensor Forward(Tape tape, Tensor normalizedObs) => Network.Forward(tape, normalizedObs);

    /// <summary>u for <paramref name="rows"/> normalised observations, outside any training tape.</summary>
    public void Act(ReadOnlySpan<float> normalizedObs, int rows, Span<float> squashed)
    {
        var tape = _actTape;
        tape.Reset();
        using (tape.NoGrad())
            Network.Forward(tape, tape.Constant(normalizedObs[..(rows * ObsDim)], rows, ObsDim)).Data.CopyTo(squashed);
    }

    public DeterministicActor Clone()
    {
        var copy = new DeterministicActor(ObsDim, ActDim, Hidden, new Xoshiro256StarStar(0));
        copy.Network.CopyFrom(Network);
        return copy;
    }
}
