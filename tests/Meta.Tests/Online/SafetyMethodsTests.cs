using OfflineSafety.Errors;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Online.Methods;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Online;

public class SafetyMethodsTests
{
    [Theory]
    [InlineData(OnlineAlgorithm.Recovery, typeof(RecoveryRlMethod))]
    [InlineData(OnlineAlgorithm.Unconstrained, typeof(UnconstrainedMethod))]
    [InlineData(OnlineAlgorithm.Lagrangian, typeof(LagrangianMethod))]
    [InlineData(OnlineAlgorithm.Sqrl, typeof(SqrlMethod))]
    [InlineData(OnlineAlgorithm.RewardPenalty, typeof(RewardPenaltyMethod))]
    [InlineData(OnlineAlgorithm.Rcpo, typeof(RcpoMethod))]
    [InlineData(OnlineAlgorithm.Rspo, typeof(RspoMethod))]
    [InlineData(OnlineAlgorithm.DualAgent, typeof(OfflineSafety.Meta.Online.DualAgent.DualAgentMethod))]
    [InlineData(OnlineAlgorithm.ConstrainedSac, typeof(OfflineSafety.Meta.Online.ConstrainedSac.ConstrainedSacMethod))]
    [InlineData(OnlineAlgorithm.PpoLagrangian, typeof(OfflineSafety.Meta.Online.PpoLagrangian.PpoLagrangianMethod))]
    public void Each_algorithm_gets_its_own_method(OnlineAlgorithm algorithm, Type expected)
    {
        Assert.IsType(expected, SafetyMethods.Create(Context(algorithm)));
    }

    [Fact]
    public void Only_the_reward_penalty_shapes_the_task_reward_and_only_recovery_shields()
    {
        // SAFER needs a fitted prior and decodes every action; SaferMethodTests covers it.
        foreach (var algorithm in Enum.GetValues<OnlineAlgorithm>().Where(a => a != OnlineAlgorithm.Safer))
        {
            var method = SafetyMethods.Create(Context(algorithm));
            Assert.Equal(algorithm == OnlineAlgorithm.RewardPenalty ? 1f - 7f * 2f : 1f, method.TaskReward(1f, 2f));
            float[] action = [0.1f, 0.2f];
            // The constant critic scores 0.5 > eps 0.3, so Recovery RL switches to its fixed 0.5 action.
            Assert.Equal(algorithm == OnlineAlgorithm.Recovery, method.Shield([0f, 0f], action));
        }
    }

    [Fact]
    public void A_method_that_reads_the_critic_refuses_a_start_without_one()
    {
        var context = Context(OnlineAlgorithm.Lagrangian) with { Start = new OnlineStart(null, null, null) };
        Assert.Throws<BadInputException>(() => SafetyMethods.Create(context));
    }

    private static SafetyMethodContext Context(OnlineAlgorithm algorithm)
    {
        var n = OnlineFixtures.NavigationNormalization();
        var options = OnlineFixtures.Options(algorithm, 1) is var o ? o with { Safety = o.Safety with { PenaltyLambda = 7f } } : null!;
        var box = new SquashedActionBox([-1f, -1f], [1f, 1f]);
        var random = new Xoshiro256StarStar(1);
        var sac = new SoftActorCritic(2, box, n, options.Sac, random);
        var start = new OnlineStart(OnlineFixtures.ConstantCritic(0f, n), OnlineFixtures.FixedRecovery(n, 0.5f), null);
        return new SafetyMethodContext(options, start, sac, box, n, 100, random) { Horizon = 100 };
    }
}
