using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.DualAgent;

/// <summary>
/// Twin Q networks over [normalised s, u] with Polyak target copies (clipped double Q-learning,
/// Fujimoto et al.): targets read the minimum of the two target heads. Used for the TD3 baseline's
/// Q_R and the safe agent's Q_I alike.
/// </summary>
public sealed class TwinQ
{
    private readonly Mlp _q1, _q2, _q1Target, _q2Target;
    private readonly Adam _adam;
    private readonly float _tau;

    /// <param name="initialValue">Output bias of both heads at the start (0: the usual initialisation).</param>
    public TwinQ(int inputDim, IReadOnlyList<int> hidden, float learningRate, float tau, Xoshiro256StarStar random, float initialValue = 0f)
    {
        _q1 = new Mlp(inputDim, hidden, 1, random);
        _q2 = new Mlp(inputDim, hidden, 1, random);
        _q1.Layers[^1].Bias!.Data.Fill(initialValue);
        _q2.Layers[^1].Bias!.Data.Fill(initialValue);
        _q1Target = new Mlp(inputDim, hidden, 1, random);
        _q2Target = new Mlp(inputDim, hidden, 1, random);
        _q1Target.CopyFrom(_q1);
        _q2Target.CopyFrom(_q2);
        _adam = new Adam([.. _q1.Parameters, .. _q2.Parameters], learningRate);
        _tau = tau;
    }

    public Tensor First(Tape tape, Tensor stateAction) => _q1.Forward(tape, stateAction);

    public Tensor Min(Tape tape, Tensor stateAction) => tape.Minimum(_q1.Forward(tape, stateAction), _q2.Forward(tape, stateAction));

    public Tensor TargetMin(Tape tape, Tensor stateAction) => tape.Minimum(_q1Target.Forward(tape, stateAction), _q2Target.Forward(tape, stateAction));

    /// <summary>One Adam step of both heads onto <paramref name="target"/> (a constant); returns the summed MSE.</summary>
    public float Regress(Tape tape, Tensor stateAction, Tensor target)
    {
        var loss = tape.Add(tape.Mse(_q1.Forward(tape, stateAction), target), tape.Mse(_q2.Forward(tape, stateAction), target));
        _adam.ZeroGrad();
        tape.Backward(loss);
        _adam.Step();
        return loss.ToScalar();
    }

    public void UpdateTargets()
    {
        PolyakAveraging.Update(_q1Target.Parameters, _q1.Parameters, _tau);
        PolyakAveraging.Update(_q2Target.Parameters, _q2.Parameters, _tau);
    }
}
