namespace OfflineSafety.Meta.Online.PpoLagrangian;

/// <summary>
/// PPO-Lagrangian's settings in one record (Ray, Achiam and Amodei 2019, Safety Gym's on-policy
/// baseline; the defaults are the usual PPO ones, as OmniSafe's PPOLag). Independent of the run's
/// <see cref="SacSettings"/>: an on-policy method has its own networks, rates and batch.
/// </summary>
public sealed record PpoLagrangianSettings
{
    /// <summary>Environment steps per rollout; the update runs when the rollout is full, mid-episode or not.</summary>
    public int RolloutSteps { get; init; } = 2048;

    /// <summary>Passes over the rollout per update.</summary>
    public int Epochs { get; init; } = 10;

    public int MinibatchSize { get; init; } = 64;

    /// <summary>epsilon of the clipped surrogate: the ratio pi/pi_old counts only within [1 - eps, 1 + eps].</summary>
    public float Clip { get; init; } = 0.2f;

    public float Gamma { get; init; } = 0.99f;

    /// <summary>lambda of GAE, for the reward and the cost advantages alike.</summary>
    public float GaeLambda { get; init; } = 0.95f;

    /// <summary>Adam rate of the policy and of both value critics.</summary>
    public float LearningRate { get; init; } = 3e-4f;

    /// <summary>Global gradient-norm clip per network and minibatch.</summary>
    public float MaxGradNorm { get; init; } = 0.5f;

    /// <summary>Hidden widths of the policy mean and of both critics (tanh, as PPO's reference networks).</summary>
    public int[] Hidden { get; init; } = [64, 64];

    /// <summary>Initial state-independent log-std, in squashed action units (std 0.61).</summary>
    public float InitialLogStd { get; init; } = -0.5f;

    /// <summary>
    /// The cost limit per step (0.05: the dual-agent experiment's delta). The dual step compares the
    /// rollout's mean episode cost with <c>CostLimit * T</c> (T the horizon), Safety Gym's form of the
    /// limit (25 per 1,000-step episode).
    /// </summary>
    public float CostLimit { get; init; } = 0.05f;

    /// <summary>Step size of lambda's projected ascent on (mean episode cost - limit), per unit of episode cost.</summary>
    public float LambdaLearningRate { get; init; } = 0.005f;

    public float InitialLambda { get; init; }
}
