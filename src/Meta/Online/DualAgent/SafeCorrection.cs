using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.DualAgent;

/// <summary>
/// The safe agent pi_S (Algorithm 1, lines 26-33): min_phi E||pi_S(s) - pi_B(s)||^2 subject to
/// E Q_I(s, pi_S(s)) &gt;= Gamma, by stochastic primal-dual steps. Per batch: twin Q_I regress onto
/// <see cref="SafetyBudget.IndicatorTarget"/>; the actor descends D(phi) - lambda Qbar(phi) (eq. 16);
/// Qbar is re-evaluated with the updated actor and lambda ascends on Gamma - Qbar (eq. 17); targets
/// follow by Polyak averaging. With a trust region (<see cref="DualAgentSettings.TrustRegion"/> rho &gt; 0)
/// the network is a bounded residual on the baseline, pi_S(s) = clip(pi_B(s) + rho tanh(f(s)), -1, 1),
/// so |pi_S(s) - pi_B(s)| &lt;= rho in every state and action dimension, whatever Q_I's gradient says.
/// With <see cref="SafeCriticInput.BaselineDeviation"/>, Q_I reads (s, a - pi_B(s)) wherever it is evaluated.
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
    private readonly float _trustRegion;
    private readonly bool _deviationInput;
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
        _tau = settings.CriticTargetRate > 0 ? settings.CriticTargetRate : sac.Tau;
        _critic = new TwinQ(obsDim + actDim, sac.Hidden, sac.LearningRate, _tau, random, 1f / (1f - settings.GammaSafe));
        _actorAdam = new Adam(_actor.Network.Parameters, sac.LearningRate);
        _lambda = new ProjectedMultiplier(settings.MultiplierLearningRate);
        _gammaSafe = settings.GammaSafe;
        _dualWarmup = settings.DualWarmup;
        _normalizePull = settings.NormalizePull;
        _trustRegion = settings.TrustRegion;
        _deviationInput = settings.CriticInput == SafeCriticInput.BaselineDeviation;
        Budget = (float)SafetyBudget.BootstrappedGamma(settings.Delta, settings.GammaSafe);
        _target = new float[sac.BatchSize];
    }

    /// <summary>Gamma of the constraint E Q_I &gt;= Gamma.</summary>
    public float Budget { get; }
    public float Lambda => _lambda.Value;

    /// <summary>Polyak rate of Q_I' and pi_S'.</summary>
    public float TargetRate => _tau;

    /// <summary>Qbar(phi) after the latest update.</summary>
    public float LastMeanQ { get; private set; } = float.NaN;

    /// <summary>D(phi) of the latest update (mean squared distance to the baseline's actions).</summary>
    public float LastDistance { get; private set; } = float.NaN;

    public DeterministicActor Actor => _actor;

    /// <summary>Whether pi_S is a bounded residual on pi_B (its updates and actions then need pi_B's actions).</summary>
    public bool Residual => _trustRegion > 0;

    /// <summary>Whether an update reads pi_B beyond the batch's states: at s' and at the constraint window's states.</summary>
    public bool ReadsBaselineEverywhere => Residual || _deviationInput;

    /// <summary>pi_S(s); <paramref name="baseline"/> is pi_B(s), read only with a trust region.</summary>
    public void Act(ReadOnlySpan<float> normalizedObs, ReadOnlySpan<float> baseline, Span<float> squashed)
    {
        _actor.Act(normalizedObs, 1, squashed);
        if (_trustRegion > 0)
            for (int d = 0; d < squashed.Length; d++) squashed[d] = TrustRegionAction(baseline[d], squashed[d], _trustRegion);
    }

    /// <summary>
    /// pi_S'(s), the target actor, for <paramref name="rows"/> normalised states (squashed; <paramref name="baseline"/> is pi_B
    /// there, read only with a trust region): the policy a cut multi-step target checks the logged actions against.
    /// </summary>
    public void TargetAct(ReadOnlySpan<float> normalizedObs, int rows, ReadOnlySpan<float> baseline, Span<float> squashed)
    {
        _actorTarget.Act(normalizedObs, rows, squashed);
        if (_trustRegion > 0)
            for (int j = 0; j < rows * _actorTarget.ActDim; j++) squashed[j] = TrustRegionAction(baseline[j], squashed[j], _trustRegion);
    }

    /// <summary>clip(u_B + rho r, -1, 1) for a network output r in [-1, 1]: within rho of u_B, since u_B is in [-1, 1].</summary>
    public static float TrustRegionAction(float baseline, float residual, float rho) => Math.Clamp(baseline + rho * residual, -1f, 1f);

    private Tensor Policy(Tape tape, DeterministicActor actor, Tensor s, ReadOnlySpan<float> baseline)
    {
        var r = actor.Forward(tape, s);
        if (_trustRegion <= 0) return r;
        int rows = r.Rows, cols = r.Cols;
        return tape.Clamp(tape.Add(BaselineConstant(tape, baseline, rows, cols), tape.Scale(r, _trustRegion)), -1f, 1f);
    }

    /// <summary>Q_I's input: (s, u), or (s, u - pi_B(s)) with the deviation input.</summary>
    private Tensor CriticInput(Tape tape, Tensor s, Tensor u, ReadOnlySpan<float> baseline) =>
        tape.Concat(s, _deviationInput ? tape.Sub(u, BaselineConstant(tape, baseline, u.Rows, u.Cols)) : u);

    private static Tensor BaselineConstant(Tape tape, ReadOnlySpan<float> baseline, int rows, int cols)
    {
        if (baseline.Length < rows * cols) throw new ArgumentException($"this update needs pi_B's actions for {rows} rows, got {baseline.Length / Math.Max(cols, 1)}", nameof(baseline));
        return tape.Constant(baseline[..(rows * cols)], rows, cols);
    }

    /// <summary>
    /// One primal-dual step. <paramref name="baselineActions"/> holds pi_B(s) per batch row (squashed);
    /// <paramref name="constraintObs"/>, normalised states (batch size rows) the dual step averages Q_I over
    /// (default: the batch's own). Where <see cref="ReadsBaselineEverywhere"/>, <paramref name="baselineNextActions"/> holds
    /// pi_B(s') per row and <paramref name="constraintBaseline"/> pi_B at <paramref name="constraintObs"/>; otherwise both are unread.
    /// With <paramref name="lookahead"/> (filled for this batch) Q_I's target is n-step and bootstraps at its rows' s', where
    /// <paramref name="baselineNextActions"/> then holds pi_B.
    /// </summary>
    public void Update(SacBatch batch, ReplayBuffer buffer, ReadOnlySpan<float> baselineActions, ReadOnlySpan<float> baselineNextActions,
        float[]? constraintObs = null, ReadOnlySpan<float> constraintBaseline = default, MultiStepLookahead? lookahead = null)
    {
        int b = batch.Size, od = batch.ObsDim, ad = batch.ActDim;
        var tape = _tape;
        tape.Reset();
        var s = tape.Constant(batch.Obs, b, od);
        using (tape.NoGrad())
        {
            var s2 = tape.Constant(lookahead is null ? batch.NextObs : lookahead.NextObs, b, od);
            var next = _critic.TargetMin(tape, CriticInput(tape, s2, Policy(tape, _actorTarget, s2, baselineNextActions), baselineNextActions)).Data;
            for (int i = 0; i < b; i++)
            {
                int row = batch.Rows[i];
                _target[i] = lookahead?.Target(i, buffer, next[i])
                    ?? SafetyBudget.IndicatorTarget(buffer.Unsafe(row) > 0, buffer.Terminal(row) > 0, next[i], _gammaSafe);
            }
        }
        _critic.Regress(tape, CriticInput(tape, s, tape.Constant(batch.Action, b, ad), baselineActions), tape.Constant(_target.AsSpan(0, b), b, 1));

        var u = Policy(tape, _actor, s, baselineActions);
        // ||pi_S - pi_B||^2 sums over action dimensions and averages over states.
        var distance = tape.Scale(tape.Mse(u, tape.Constant(baselineActions[..(b * ad)], b, ad)), ad);
        var meanQ = tape.Mean(_critic.Min(tape, CriticInput(tape, s, u, baselineActions)));
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
            var bc = constraintObs is null ? baselineActions : constraintBaseline;
            var uc = Policy(tape, _actor, sc, bc);
            LastMeanQ = tape.Mean(_critic.Min(tape, CriticInput(tape, sc, uc, bc))).ToScalar();
        }
        if (++_updates > _dualWarmup) _lambda.Ascend(Budget - LastMeanQ);
        _critic.UpdateTargets();
        PolyakAveraging.Update(_actorTarget.Network.Parameters, _actor.Network.Parameters, _tau);
    }
}
