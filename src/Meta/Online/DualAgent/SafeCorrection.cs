using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.DualAgent;

/// <summary>
/// The safe agent pi_S (Algorithm 1, lines 26-33): min_phi E||pi_S(s) - pi_B(s)||^2 subject to
/// E Q_I(s, pi_S(s)) &gt;= Gamma, by stochastic primal-dual steps. Per batch: twin Q_I regress onto
/// <see cref="SafetyBudget.IndicatorTarget"/>; the actor descends D(phi) - lambda Qbar(phi) (eq. 16);
/// Qbar is re-evaluated with the updated actor and lambda ascends on Gamma - Qbar (eq. 17); targets
/// follow by Polyak averaging.
/// </summary>
public sealed class SafeCorrection
{
    private readonly DeterministicActor _actor, _actorTarget;
    private readonly TwinQ _critic;
    private readonly Adam _actorAdam;
    private readonly ProjectedMultiplier _lambda;
    private readonly float _gammaSafe, _tau;
    private readonly int _dualWarmup;
    private readonly bool _normalizePull;
    private long _updates;
    private readonly Tape _tape = new();
    private readonly float[] _target;

    public SafeCorrection(int obsDim, int actDim, SacSettings sac, DualAgentSettings settings, Xoshiro256StarStar random)
    {
        _actor = new DeterministicActor(obsDim, actDim, sac.Hidden, random);
        _actorTarget = _actor.Clone();
        // Q_I starts optimistic, at the all-safe value 1 / (1 - gbar): an untrained critic near 0 would
        // read as a large constraint violation and drive lambda up before Q_I has learned anything,
        // where the paper wants the safe agent to imitate first and be corrected as costs are seen.
        _critic = new TwinQ(obsDim + actDim, sac.Hidden, sac.LearningRate, sac.Tau, random, 1f / (1f - settings.GammaSafe));
        _actorAdam = new Adam(_actor.Network.Parameters, sac.LearningRate);
        _lambda = new ProjectedMultiplier(settings.MultiplierLearningRate);
        _gammaSafe = settings.GammaSafe;
        _dualWarmup = settings.DualWarmup;
        _normalizePull = settings.NormalizePull;
        _tau = sac.Tau;
        Budget = (float)SafetyBudget.BootstrappedGamma(settings.Delta, settings.GammaSafe);
        _target = new float[sac.BatchSize];
    }

    /// <summary>Gamma of the constraint E Q_I &gt;= Gamma.</summary>
    public float Budget { get; }
    public float Lambda => _lambda.Value;

    /// <summary>Qbar(phi) after the latest update.</summary>
    public float LastMeanQ { get; private set; } = float.NaN;

    /// <summary>D(phi) of the latest update (mean squared distance to the baseline's actions).</summary>
    public float LastDistance { get; private set; } = float.NaN;

    public DeterministicActor Actor => _actor;

    public void Act(ReadOnlySpan<float> normalizedObs, Span<float> squashed) => _actor.Act(normalizedObs, 1, squashed);

    /// <summary>
    /// One primal-dual step. <paramref name="baselineActions"/> holds pi_B(s) per batch row (squashed);
    /// <paramref name="constraintObs"/>, normalised states (batch size rows) the dual step averages Q_I over
    /// (default: the batch's own).
    /// </summary>
    public void Update(SacBatch batch, ReplayBuffer buffer, ReadOnlySpan<float> baselineActions, float[]? constraintObs = null)
    {
        int b = batch.Size, od = batch.ObsDim, ad = batch.ActDim;
        var tape = _tape;
        tape.Reset();
        var s = tape.Constant(batch.Obs, b, od);
        using (tape.NoGrad())
        {
            var s2 = tape.Constant(batch.NextObs, b, od);
            var next = _critic.TargetMin(tape, tape.Concat(s2, _actorTarget.Forward(tape, s2))).Data;
            for (int i = 0; i < b; i++)
            {
                int row = batch.Rows[i];
                _target[i] = SafetyBudget.IndicatorTarget(buffer.Unsafe(row) > 0, buffer.Terminal(row) > 0, next[i], _gammaSafe);
            }
        }
        _critic.Regress(tape, tape.Concat(s, tape.Constant(batch.Action, b, ad)), tape.Constant(_target.AsSpan(0, b), b, 1));

        var u = _actor.Forward(tape, s);
        // ||pi_S - pi_B||^2 sums over action dimensions and averages over states.
        var distance = tape.Scale(tape.Mse(u, tape.Constant(baselineActions[..(b * ad)], b, ad)), ad);
        var meanQ = tape.Mean(_critic.Min(tape, tape.Concat(s, u)));
        // Optionally TD3+BC's normalisation: the pull divided by the batch's |Qbar| (a constant), so lambda
        // weighs a relative, not an absolute, gain in Q_I against the imitation distance.
        float pull = _normalizePull ? _lambda.Value / MathF.Max(MathF.Abs(meanQ.ToScalar()), 1e-3f) : _lambda.Value;
        var loss = tape.Sub(distance, tape.Scale(meanQ, pull));
        _actorAdam.ZeroGrad();
        tape.Backward(loss);
        _actorAdam.Step();
        LastDistance = distance.ToScalar();

        using (tape.NoGrad())
        {
            var sc = constraintObs is null ? s : tape.Constant(constraintObs.AsSpan(0, b * od), b, od);
            LastMeanQ = tape.Mean(_critic.Min(tape, tape.Concat(sc, _actor.Forward(tape, sc)))).ToScalar();
        }
        if (++_updates > _dualWarmup) _lambda.Ascend(Budget - LastMeanQ);
        _critic.UpdateTargets();
        PolyakAveraging.Update(_actorTarget.Network.Parameters, _actor.Network.Parameters, _tau);
    }
}
