using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.ConstrainedSac;

/// <summary>
/// Q_c, the cost critic of constrained SAC: an MLP over [normalised s, u] regressed onto
/// c + gamma_c (1 - d) Q_c'(s', a'), a' ~ pi(.|s'), with a Polyak target copy. As the actor's
/// penalty it adds beta E Q_c(s, pi(s)) to the actor loss: the gradient in u comes from a backward
/// pass onto the action input, and the batch mean of Q_c(s, pi(s)) is kept for beta's step.
/// </summary>
public sealed class CostCritic : IActorPenalty
{
    private readonly Mlp _q, _target;
    private readonly Adam _adam;
    private readonly float _gamma, _tau;
    private readonly Tape _tape = new();
    private readonly Tape _penaltyTape = new();
    private readonly Tensor _actionInput;
    private readonly float[] _target2;
    private readonly float[] _nextActions;

    public CostCritic(int obsDim, int actDim, SacSettings sac, ConstrainedSacSettings settings, Xoshiro256StarStar random)
    {
        _q = new Mlp(obsDim + actDim, sac.Hidden, 1, random);
        _target = new Mlp(obsDim + actDim, sac.Hidden, 1, random);
        _target.CopyFrom(_q);
        _adam = new Adam(_q.Parameters, settings.CostLearningRate);
        _gamma = settings.GammaCost;
        _tau = sac.Tau;
        _actionInput = Tensor.Matrix(sac.BatchSize, actDim);
        _actionInput.RequiresGrad = true;
        _target2 = new float[sac.BatchSize];
        _nextActions = new float[sac.BatchSize * actDim];
    }

    /// <summary>beta, set by the caller before each actor update.</summary>
    public float Beta { get; set; }

    /// <summary>E Q_c(s, pi(s)) over the latest actor batch.</summary>
    public float LastMeanCost { get; private set; }

    /// <summary>The backup c + gamma_c (1 - d) Q_c'(s', a'): a terminal step's cost is its last.</summary>
    public static float Target(float cost, bool terminal, float nextCost, float gammaCost) => cost + (terminal ? 0f : gammaCost * nextCost);

    /// <summary>Q_c(s, u) for normalised observations and squashed actions (evaluation, tests).</summary>
    public void Score(ReadOnlySpan<float> normalizedObs, ReadOnlySpan<float> squashed, int rows, int obsDim, int actDim, Span<float> into)
    {
        var tape = _tape;
        tape.Reset();
        using (tape.NoGrad())
            _q.Forward(tape, tape.Concat(tape.Constant(normalizedObs[..(rows * obsDim)], rows, obsDim), tape.Constant(squashed[..(rows * actDim)], rows, actDim)))
                .Data.CopyTo(into);
    }

    /// <summary>One regression step on the batch; costs and terminal flags come from <paramref name="buffer"/> at batch.Rows.</summary>
    public float Update(SacBatch batch, ReplayBuffer buffer, SoftActorCritic policy, Xoshiro256StarStar random)
    {
        int b = batch.Size, od = batch.ObsDim, ad = batch.ActDim;
        policy.SampleSquashed(batch.NextObs, b, _nextActions, default, deterministic: false, random);
        var tape = _tape;
        tape.Reset();
        using (tape.NoGrad())
        {
            var next = _target.Forward(tape, tape.Concat(tape.Constant(batch.NextObs, b, od), tape.Constant(_nextActions.AsSpan(0, b * ad), b, ad))).Data;
            for (int i = 0; i < b; i++)
            {
                int row = batch.Rows[i];
                _target2[i] = Target(buffer.Cost(row), buffer.Terminal(row) > 0, next[i], _gamma);
            }
        }
        var q = _q.Forward(tape, tape.Concat(tape.Constant(batch.Obs, b, od), tape.Constant(batch.Action, b, ad)));
        var loss = tape.Mse(q, tape.Constant(_target2.AsSpan(0, b), b, 1));
        _adam.ZeroGrad();
        tape.Backward(loss);
        _adam.Step(_target.Parameters, _tau);
        return loss.ToScalar();
    }

    public void Gradient(SacBatch batch, ReadOnlySpan<float> squashedActions, Span<float> gradient)
    {
        int b = batch.Size, od = batch.ObsDim, ad = batch.ActDim;
        squashedActions[..(b * ad)].CopyTo(_actionInput.Data);
        _actionInput.ZeroGrad();
        var tape = _penaltyTape;
        tape.Reset();
        var q = _q.Forward(tape, tape.Concat(tape.Constant(batch.Obs, b, od), _actionInput));
        var total = tape.Sum(q);
        LastMeanCost = total.ToScalar() / b;
        tape.Backward(tape.Scale(total, Beta / b));
        _actionInput.GradSpan[..(b * ad)].CopyTo(gradient);
    }
}
