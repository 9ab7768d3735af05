using OfflineSafety.Envs;

namespace OfflineSafety.Meta.Online.Methods;

/// <summary>Maps an <see cref="OnlineAlgorithm"/> to its method.</summary>
public static class SafetyMethods
{
    public static ISafetyMethod Create(SafetyMethodContext context) => context.Options.Algorithm switch
    {
        OnlineAlgorithm.Recovery => RecoveryRlMethod.Create(context),
        OnlineAlgorithm.Unconstrained => new UnconstrainedMethod(),
        OnlineAlgorithm.Lagrangian => new LagrangianMethod(context),
        OnlineAlgorithm.Sqrl => new SqrlMethod(context),
        OnlineAlgorithm.RewardPenalty => new RewardPenaltyMethod(context.Safety.PenaltyLambda),
        OnlineAlgorithm.Rcpo => new RcpoMethod(context),
        OnlineAlgorithm.Rspo => new RspoMethod(context),
        OnlineAlgorithm.Safer => SaferMethod.Create(context),
        OnlineAlgorithm.DualAgent => new DualAgent.DualAgentMethod(context),
        OnlineAlgorithm.ConstrainedSac => new ConstrainedSac.ConstrainedSacMethod(context),
        OnlineAlgorithm.PpoLagrangian => new PpoLagrangian.PpoLagrangianMethod(context),
        var other => throw new ArgumentOutOfRangeException(nameof(context), other, "no safety method for this algorithm"),
    };

    /// <summary>
    /// The box the task policy acts in: the environment's action box, except for SAFER, whose SAC
    /// acts in the prior's latent box (-eta, eta)^d.
    /// </summary>
    public static SquashedActionBox TaskActions(OnlineAlgorithm algorithm, OnlineStart start, ISafetyEnvironment env) =>
        algorithm == OnlineAlgorithm.Safer
            ? SaferMethod.LatentBox(SaferMethod.RequirePrior(start))
            : new SquashedActionBox(env.ActionSpace.Low, env.ActionSpace.High);
}
