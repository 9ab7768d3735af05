using OfflineSafety.Meta.Critics;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Distributions;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// Soft Actor-Critic (Haarnoja et al.), written out as one update: twin Q networks with Polyak
/// target copies, a tanh-Gaussian actor, and a fixed or learned temperature. Observations are
/// normalised with the given <see cref="Normalization"/> (the safety critic's, so both networks read
/// the same inputs). Updates run on one <see cref="Tape"/> that is reset per call, so the steady
/// state allocates nothing.
/// </summary>
public sealed class SoftActorCritic : ITargetPolicy
{
    private readonly SacSettings _settings;
    private readonly Mlp _q1, _q2, _q1Target, _q2Target, _actor;
    private readonly Adam _qAdam, _actorAdam;
    private readonly Tensor[] _qTargets;
    private readonly Tensor _logAlpha;
    private readonly Adam? _alphaAdam;
    private readonly Tape _tape;
    private readonly Tape _actTape;
    private readonly float[] _normObs;
    private readonly float[] _penaltyGradient;
    private readonly float[] _nextObsScratch;
    private readonly float[] _squashedScratch;
    private readonly float[] _rawScratch;
    private readonly float _targetEntropy;

    public SoftActorCritic(int obsDim, SquashedActionBox actions, Normalization observations, SacSettings settings, Xoshiro256StarStar random,
        ComputeOptions? compute = null)
    {
        _settings = settings;
        _tape = new Tape(compute);
        _actTape = new Tape(compute);
        ObsDim = obsDim;
        ActDim = actions.Dim;
        Actions = actions;
        Observations = observations;
        _q1 = new Mlp(obsDim + ActDim, settings.Hidden, 1, random);
        _q2 = new Mlp(obsDim + ActDim, settings.Hidden, 1, random);
        _q1Target = new Mlp(obsDim + ActDim, settings.Hidden, 1, random);
        _q2Target = new Mlp(obsDim + ActDim, settings.Hidden, 1, random);
        _q1Target.CopyFrom(_q1);
        _q2Target.CopyFrom(_q2);
        _actor = new Mlp(obsDim, settings.Hidden, 2 * ActDim, random);
        _qAdam = new Adam([.. _q1.Parameters, .. _q2.Parameters], settings.LearningRate, compute: compute);
        _qTargets = [.. _q1Target.Parameters, .. _q2Target.Parameters];
        _actorAdam = new Adam(_actor.Parameters, settings.LearningRate, compute: compute);
        _logAlpha = Tensor.Scalar(MathF.Log(settings.Alpha));
        _logAlpha.RequiresGrad = true;
        if (settings.LearnAlpha) _alphaAdam = new Adam([_logAlpha], settings.LearningRate);
        _targetEntropy = -ActDim;
        _normObs = new float[Math.Max(settings.BatchSize, 1024) * obsDim];
        _penaltyGradient = new float[settings.BatchSize * ActDim];
        _nextObsScratch = new float[Math.Max(settings.BatchSize, 1024) * obsDim];
        _squashedScratch = new float[Math.Max(settings.BatchSize, 1024) * ActDim];
        _rawScratch = new float[ActDim];
    }

    public int ObsDim { get; }
    public int ActDim { get; }
    public SquashedActionBox Actions { get; }
    public Normalization Observations { get; }
    public float Alpha => MathF.Exp(_logAlpha[0]);
    public long Updates { get; private set; }

    /// <summary>One action for a raw observation: a tanh-Gaussian sample (or tanh(mean)), in environment units.</summary>
    public void Act(ReadOnlySpan<float> obs, Span<float> action, bool deterministic, Xoshiro256StarStar random)
    {
        Span<float> squashed = stackalloc float[ActDim];
        Observations.NormalizeObs(obs, _normObs.AsSpan(0, ObsDim));
        SampleSquashed(_normObs.AsSpan(0, ObsDim), 1, squashed, default, deterministic, random);
        Actions.ToEnvironment(squashed, action);
    }

    /// <summary>
    /// Squashed samples u for <paramref name="rows"/> normalised observations, with log pi(u) per row
    /// when <paramref name="logProb"/> is non-empty. Rows of up to 1024 at a time.
    /// </summary>
    public void SampleSquashed(ReadOnlySpan<float> normalizedObs, int rows, Span<float> squashed, Span<float> logProb, bool deterministic, Xoshiro256StarStar random)
    {
        var tape = _actTape;
        tape.Reset();
        using (tape.NoGrad())
        {
            var head = _actor.Forward(tape, tape.Constant(normalizedObs[..(rows * ObsDim)], rows, ObsDim));
            if (deterministic)
            {
                GaussianPolicy.TanhMode(tape, head).Data.CopyTo(squashed);
                return;
            }
            var sample = GaussianPolicy.SampleTanh(tape, head, random);
            sample.Action.Data.CopyTo(squashed);
            if (!logProb.IsEmpty) sample.LogProb.Data.CopyTo(logProb);
        }
    }

    /// <summary>
    /// The safety critic's target policy is the current task policy (algorithms.md section 1):
    /// a' ~ pi(.|s') written in the critic's normalised action units.
    /// </summary>
    public void ChooseNextActions(Meta.Sampling.CriticBatch batch, Xoshiro256StarStar random)
    {
        int rows = batch.Size;
        for (int start = 0; start < rows; start += 1024)
        {
            int n = Math.Min(1024, rows - start);
            for (int i = 0; i < n; i++) batch.NextObsOf(start + i).CopyTo(_nextObsScratch.AsSpan(i * ObsDim, ObsDim));
            SampleSquashed(_nextObsScratch, n, _squashedScratch, default, deterministic: false, random);
            for (int i = 0; i < n; i++)
            {
                Actions.ToEnvironment(_squashedScratch.AsSpan(i * ActDim, ActDim), _rawScratch);
                Observations.NormalizeAction(_rawScratch, batch.NextActionOf(start + i));
            }
        }
    }

    /// <summary>
    /// One SAC update: the twin-Q regression onto r + gamma (1 - d)(min Q'(s', a') - alpha log pi(a'|s')),
    /// with the Polyak target update, then the actor step on E[alpha log pi(u|s) - min Q(s, u)] (+ the
    /// optional penalty), then the temperature (when learned).
    /// </summary>
    public (float CriticLoss, float ActorLoss) Update(SacBatch batch, IActorPenalty? penalty, Xoshiro256StarStar random)
    {
        int b = batch.Size, od = ObsDim, ad = ActDim;
        float alpha = Alpha;
        var tape = _tape;
        tape.Reset();
        var s = tape.Constant(batch.Obs, b, od);
        var a = tape.Constant(batch.Action, b, ad);
        var r = tape.Constant(batch.Reward, b, 1);
        var done = tape.Constant(batch.Done, b, 1);
        var s2 = tape.Constant(batch.NextObs, b, od);

        Tensor y;
        using (tape.NoGrad())
        {
            var next = GaussianPolicy.SampleTanh(tape, _actor.Forward(tape, s2), random);
            var sa2 = tape.Concat(s2, next.Action);
            var q2 = tape.Minimum(_q1Target.Forward(tape, sa2), _q2Target.Forward(tape, sa2));
            var soft = tape.Sub(q2, tape.Scale(next.LogProb, alpha));
            y = tape.Add(r, tape.Mul(tape.OneMinus(done), tape.Scale(soft, _settings.Gamma)));
        }
        var sa = tape.Concat(s, a);
        var criticLoss = tape.Add(tape.Mse(_q1.Forward(tape, sa), y), tape.Mse(_q2.Forward(tape, sa), y));
        _qAdam.ZeroGrad();
        tape.Backward(criticLoss);
        // The Polyak target update rides on the Q step (blended while each range is in cache). The
        // actor and temperature updates below read neither the targets nor change the Q weights, so
        // this is the same as updating the targets at the end.
        _qAdam.Step(_qTargets, _settings.Tau);

        var pi = GaussianPolicy.SampleTanh(tape, _actor.Forward(tape, s), random);
        var saPi = tape.Concat(s, pi.Action);
        var qPi = tape.Minimum(_q1.Forward(tape, saPi), _q2.Forward(tape, saPi));
        var actorLoss = tape.Mean(tape.Sub(tape.Scale(pi.LogProb, alpha), qPi));
        if (penalty is not null)
        {
            // The penalty's gradient in u is computed outside the tape (it runs through the safety
            // critic's own network); sum(u * g) with g constant carries exactly that gradient into the actor.
            var g = _penaltyGradient.AsSpan(0, b * ad);
            penalty.Gradient(batch, pi.Action.Data, g);
            actorLoss = tape.Add(actorLoss, tape.Sum(tape.Mul(pi.Action, tape.Constant(g, b, ad))));
        }
        _actorAdam.ZeroGrad();
        tape.Backward(actorLoss);
        _actorAdam.Step();

        if (_alphaAdam is not null)
        {
            // L(log alpha) = -log alpha * E[log pi + target entropy]: its gradient is that mean, negated.
            double mean = 0;
            var lp = pi.LogProb.Data;
            for (int i = 0; i < b; i++) mean += lp[i];
            _logAlpha.EnsureGrad()[0] = -(float)(mean / b + _targetEntropy);
            _alphaAdam.Step();
        }
        Updates++;
        return (criticLoss.ToScalar(), actorLoss.ToScalar());
    }
}
