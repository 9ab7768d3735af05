namespace OfflineSafety.Meta.Online.DualAgent;

/// <summary>
/// Dual-agent safety correction's own hyperparameters (algorithms.md section 7). Networks, learning
/// rates, gamma, tau and batch size are the run's <see cref="SacSettings"/>, shared with every method.
/// The defaults are the setting measured best on the hazard cart-pole (10 seeds, docs/transfer.md): the paper's
/// algorithm with a trust region around the baseline, a deviation-input Q_I, a warm-up before the dual step and a
/// cut 10-step Q_I target. <see cref="Paper"/> is the paper's own setting.
/// </summary>
public sealed record DualAgentSettings
{
    /// <summary>
    /// The paper's setting (Algorithm 1): an unbounded actor, Q_I(s, a), the dual step from the first update and
    /// one-step Q_I targets; the CLI's `--trust-region 0 --critic-input action --dual-warmup 0 --safe-critic-steps 1 --safe-critic-cut 0`.
    /// </summary>
    public static DualAgentSettings Paper { get; } = new()
    {
        TrustRegion = 0f,
        CriticInput = SafeCriticInput.Action,
        DualWarmup = 0,
        CriticSteps = 1,
        CriticCutTolerance = 0f,
    };

    /// <summary>delta of the (1 - delta)-safe requirement: at most this share of steps may cost.</summary>
    public float Delta { get; init; } = 0.05f;

    /// <summary>
    /// gbar, the discount of Q_I. The paper asks for a small, myopic one against over-estimation; 0.98
    /// (below the reward's 0.99) is as small as works on cart-pole: with 0.9, Q_I looks about 10 steps
    /// ahead, too short to see a pole fall coming, and the correction traded balance for short-term
    /// hazard avoidance (docs/transfer.md has the runs).
    /// </summary>
    public float GammaSafe { get; init; } = 0.98f;

    /// <summary>eta_lambda of the dual step; much slower than the actor's (the paper's 0.001).</summary>
    public float MultiplierLearningRate { get; init; } = 1e-3f;

    /// <summary>
    /// Rows of the shared buffer, the most recent, whose states the dual step averages Q_I over (0: the
    /// whole buffer, the paper's E_{s~D}). Gamma bounds the states a (1 - delta)-safe policy visits;
    /// old rows where the pole was already falling hold no safe future for any policy, so over the
    /// whole buffer the constraint cannot be met and lambda only grows (docs/transfer.md).
    /// </summary>
    public int ConstraintWindow { get; init; }

    /// <summary>
    /// Updates before the dual step starts (lambda held at 0): the safe agent imitates while Q_I learns,
    /// since a young Q_I's action gradient, at lambda of order 1, outweighs imitation (docs/transfer.md).
    /// 0: the paper's, the dual step from the first update. 5,000 (the default) lets Q_I learn the pole's delayed
    /// effect first; without it the cut target below did not help (docs/transfer.md).
    /// </summary>
    public int DualWarmup { get; init; } = 5_000;

    /// <summary>Divide the actor's lambda Qbar term by |Qbar| of the batch (TD3+BC's normalisation); false: the paper's eq. 16.</summary>
    public bool NormalizePull { get; init; }

    /// <summary>
    /// rho of a hard trust region on the correction: pi_S(s) = clip(pi_B(s) + rho tanh(f(s)), -1, 1), so the
    /// safe agent never strays more than rho (squashed units, per action dimension) from the baseline, however
    /// steep or wrong Q_I's action gradient is. 0: the paper's unbounded actor. Without it, on cart-pole the
    /// actor followed Q_I's action gradient 0.3-0.5 away from the PD law and dropped the pole (docs/transfer.md).
    /// The default 0.1 is the exploration sigma: the correction stays where the baseline's noisy steps have shown Q_I.
    /// </summary>
    public float TrustRegion { get; init; } = 0.1f;

    /// <summary>sigma of the Gaussian exploration noise on the safe agent's training actions, in squashed units.</summary>
    public float ExplorationNoise { get; init; } = 0.1f;

    /// <summary>
    /// sigma of the Gaussian exploration noise on the baseline's training actions, in squashed units (the paper:
    /// one sigma for both, 0.1). A fixed baseline's action is a function of the state, so on its steps this noise
    /// is all that tells Q_I the action's effect apart from the state's; raising it on the baseline's steps alone
    /// decorrelates Q_I's action input without making the safe agent's own steps noisier (docs/transfer.md).
    /// </summary>
    public float BaselineNoise { get; init; } = 0.1f;

    /// <summary>
    /// Polyak rate of the safe agent's targets (Q_I' and pi_S'); 0: the run's SAC tau (0.005, the paper's TD3 default).
    /// A target that trails by about 1 / tau updates lets Q_I's horizon grow by about one step per 1 / tau updates, so a
    /// young Q_I is myopic: on cart-pole it first credits a push towards the centre, which helps for a few steps and then,
    /// through the pole's lean, carries the cart outwards (docs/transfer.md).
    /// </summary>
    public float CriticTargetRate { get; init; }

    /// <summary>
    /// n of Q_I's n-step targets along the buffer's logged steps (<see cref="MultiStepLookahead"/>); 1: the paper's
    /// one-step target (Algorithm 1, line 27). The default 10, with the cut below, made the first correction go the
    /// right way on every seed; 5 and 20 measured the same (docs/transfer.md).
    /// </summary>
    public int CriticSteps { get; init; } = 10;

    /// <summary>
    /// With <see cref="CriticSteps"/> &gt; 1: cut each n-step trace at the first followed step whose logged action departs from
    /// pi_S' by more than this (squashed units, any action dimension), the off-policy correction for a deterministic safe
    /// policy (<see cref="MultiStepLookahead"/>). 0: no cut, the uncorrected n-step target. The default 0.2 is twice the
    /// exploration sigma; 0.1 and 0.4 measured the same (docs/transfer.md).
    /// </summary>
    public float CriticCutTolerance { get; init; } = 0.2f;

    /// <summary>What Q_I reads beside the state: the action (the paper's) or its deviation from the baseline's.</summary>
    public SafeCriticInput CriticInput { get; init; } = SafeCriticInput.BaselineDeviation;

    /// <summary>Probability that the baseline, not the safe agent, picks a training step's action (Algorithm 1: 0.5).</summary>
    public float BaselineShare { get; init; } = 0.5f;

    /// <summary>TD3 baseline: actor and target updates every this many critic updates.</summary>
    public int PolicyDelay { get; init; } = 2;

    /// <summary>TD3 baseline: target-policy smoothing noise and its clip, in squashed units.</summary>
    public float TargetNoise { get; init; } = 0.2f;
    public float TargetNoiseClip { get; init; } = 0.5f;
}

/// <summary>The action input of the safe agent's Q_I.</summary>
public enum SafeCriticInput
{
    /// <summary>Q_I(s, a): the paper's.</summary>
    Action,

    /// <summary>
    /// Q_I(s, a - pi_B(s)): the same function class, but the action enters as its deviation from the baseline's,
    /// which on the baseline's steps is the exploration noise alone, independent of the state. With the raw action,
    /// a fixed baseline's a = pi_B(s) + noise carries the state in it, and a young Q_I can credit the action with what
    /// the state causes (its action gradient then follows pi_B's state dependence, not the action's effect). Needs
    /// pi_B at every state the critic reads: the batch's s and s', and the constraint window's states.
    /// </summary>
    BaselineDeviation,
}
