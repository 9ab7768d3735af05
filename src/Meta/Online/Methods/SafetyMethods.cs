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
        OnlineAlgorithm.DualAgent => new DualAgent.DualAgentMethod(context),
        OnlineAlgorithm.ConstrainedSac => new ConstrainedSac.ConstrainedSacMethod(context),
        var other => throw new ArgumentOutOfRangeException(nameof(context), other, "no safety method for this algorithm"),
    };
}
