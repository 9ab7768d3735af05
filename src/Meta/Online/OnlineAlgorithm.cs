using OfflineSafety.Errors;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// The online methods: those compared in Recovery RL (thesis ch. 5), all on the same SAC, and the
/// ones that bring their own learners (dual-agent correction, constrained SAC with a cost critic, PPO-Lagrangian).
/// </summary>
public enum OnlineAlgorithm
{
    /// <summary>Recovery RL: switch to the recovery policy when Q_risk(s, a_task) &gt; eps.</summary>
    Recovery,
    /// <summary>SAC on the task reward only.</summary>
    Unconstrained,
    /// <summary>Lagrangian relaxation: lambda E Q_risk(s, pi(s)) in the actor loss, lambda by dual descent.</summary>
    Lagrangian,
    /// <summary>LR plus SQRL's action filter.</summary>
    Sqrl,
    /// <summary>Reward penalty r - lambda c.</summary>
    RewardPenalty,
    /// <summary>RCPO: r - lambda Q_risk(s, a) inside the critic target, lambda as in LR.</summary>
    Rcpo,
    /// <summary>RSPO: LR with lambda falling linearly from 2x the LR lambda to 0.</summary>
    Rspo,
    /// <summary>SAFER (Slack et al.): SAC over a frozen skill prior's latent box (-eta, eta)^d; no critic.</summary>
    Safer,
    /// <summary>Dual-agent safety correction (Zhang et al.): a safe deterministic agent imitates a baseline under E Q_I &gt;= Gamma.</summary>
    DualAgent,
    /// <summary>Constrained SAC with a cost critic Q_c and a multiplier beta on the cost limit (Knight and Achiam).</summary>
    ConstrainedSac,
    /// <summary>PPO-Lagrangian (Ray et al. 2019): on-policy clipped PPO with reward and cost value critics and a multiplier on the episode cost.</summary>
    PpoLagrangian,
}

public enum RecoveryKind { ModelFree, ModelBased }

public static class OnlineAlgorithms
{
    public static readonly string[] Names = ["recovery", "unconstrained", "lr", "sqrl", "rp", "rcpo", "rspo", "safer", "dual-agent", "csac", "ppo-lagrangian"];

    public static string Name(this OnlineAlgorithm algorithm) => Names[(int)algorithm];

    /// <summary>The algorithm with this name, or null.</summary>
    public static OnlineAlgorithm? TryParse(string name)
    {
        int i = Array.IndexOf(Names, name);
        return i >= 0 ? (OnlineAlgorithm)i : null;
    }

    public static OnlineAlgorithm Parse(string name)
    {
        int i = Array.IndexOf(Names, name);
        return i >= 0 ? (OnlineAlgorithm)i : throw new BadInputException($"unknown online algorithm '{name}' (known: {string.Join(", ", Names)})");
    }

    /// <summary>Whether the method reads Q_risk (and so trains the safety critic online).</summary>
    public static bool UsesCritic(this OnlineAlgorithm algorithm) => algorithm is not (OnlineAlgorithm.Unconstrained or OnlineAlgorithm.RewardPenalty
        or OnlineAlgorithm.Safer or OnlineAlgorithm.DualAgent or OnlineAlgorithm.ConstrainedSac or OnlineAlgorithm.PpoLagrangian);

    public static bool UsesMultiplier(this OnlineAlgorithm algorithm) =>
        algorithm is OnlineAlgorithm.Lagrangian or OnlineAlgorithm.Sqrl or OnlineAlgorithm.Rcpo or OnlineAlgorithm.Rspo;

    public static RecoveryKind ParseRecovery(string name) => name switch
    {
        "model-free" => RecoveryKind.ModelFree,
        "model-based" => RecoveryKind.ModelBased,
        _ => throw new BadInputException($"unknown recovery '{name}' (known: model-free, model-based)"),
    };
}
