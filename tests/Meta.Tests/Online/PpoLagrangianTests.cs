using OfflineSafety.Envs;
using OfflineSafety.Envs.Transfer;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Online.PpoLagrangian;
using OfflineSafety.Nn.Autodiff;

namespace OfflineSafety.Meta.Tests.Online;

public class PpoLagrangianTests
{
    [Fact]
    public void Gae_matches_a_hand_computed_rollout_that_ends_truncated()
    {
        // gamma 0.9, lambda 0.8, so gamma lambda = 0.72; the last step bootstraps from V(s_3) = 2.
        float[] rewards = [1f, 2f, 3f], values = [0.5f, 1f, 1.5f], bootstrap = [0f, 0f, 2f];
        var advantages = new float[3];
        var returns = new float[3];
        GeneralizedAdvantage.Compute(rewards, values, bootstrap, [false, false, false], [false, false, true], 0.9f, 0.8f, advantages, returns);
        // delta_2 = 3 + 0.9 * 2 - 1.5 = 3.3; delta_1 = 2 + 0.9 * 1.5 - 1 = 2.35; delta_0 = 1 + 0.9 * 1 - 0.5 = 1.4
        Assert.Equal(3.3f, advantages[2], 4);
        Assert.Equal(2.35f + 0.72f * 3.3f, advantages[1], 4);           // 4.726
        Assert.Equal(1.4f + 0.72f * 4.726f, advantages[0], 4);          // 4.80272
        Assert.Equal(advantages[0] + 0.5f, returns[0], 5);
        Assert.Equal(3.3f + 1.5f, returns[2], 5);
    }

    [Fact]
    public void Gae_cuts_the_chain_at_an_episode_end_and_bootstraps_only_a_truncated_one()
    {
        float[] rewards = [1f, 2f, 3f], values = [0.5f, 1f, 1.5f];
        var advantages = new float[3];
        var returns = new float[3];
        // Terminal at t = 1: no value after it (its bootstrap, 99, is ignored), and t = 0 does not see t = 2.
        GeneralizedAdvantage.Compute(rewards, values, [0f, 99f, 2f], [false, true, false], [false, true, true], 0.9f, 0.8f, advantages, returns);
        Assert.Equal(1f, advantages[1], 5);                              // 2 + 0 - 1
        Assert.Equal(1.4f + 0.72f * 1f, advantages[0], 5);
        // Truncated at t = 1: the chain is cut but V(s_2') = 4 is bootstrapped.
        GeneralizedAdvantage.Compute(rewards, values, [0f, 4f, 2f], [false, false, false], [false, true, true], 0.9f, 0.8f, advantages, returns);
        Assert.Equal(2f + 0.9f * 4f - 1f, advantages[1], 5);             // 4.6
        Assert.Throws<ArgumentException>(() => GeneralizedAdvantage.Compute(rewards, values, [0f, 0f, 0f], [false, false, false], [false, false, false],
            0.9f, 0.8f, advantages, returns));
    }

    [Fact]
    public void The_clipped_objective_has_no_gradient_where_the_ratio_left_the_clip_on_the_advantage_side()
    {
        var tape = new Tape();
        // ratios 1.5 (A +1: clipped), 0.5 (A -1: clipped), 1.5 (A -1: the unclipped term is the minimum), 1.1 (inside).
        var logProb = Tensor.FromRows([MathF.Log(1.5f), MathF.Log(0.5f), MathF.Log(1.5f), MathF.Log(1.1f)], 4, 1);
        logProb.RequiresGrad = true;
        var loss = ClippedSurrogate.Loss(tape, logProb, tape.Constant([0f, 0f, 0f, 0f], 4, 1), tape.Constant([1f, -1f, -1f, 1f], 4, 1), 0.2f);
        tape.Backward(loss);
        var g = logProb.Grad!;
        Assert.Equal(0f, g[0]);
        Assert.Equal(0f, g[1]);
        // d/dlogp of -(1/4) rho A is -(1/4) rho A.
        Assert.Equal(-0.25f * 1.5f * -1f, g[2], 5);
        Assert.Equal(-0.25f * 1.1f * 1f, g[3], 5);
        // The loss itself: -(1.2 - 0.8 - 1.5 + 1.1) / 4.
        Assert.Equal(-(1.2f - 0.8f - 1.5f + 1.1f) / 4f, loss.ToScalar(), 5);
    }

    [Fact]
    public void Lambda_rises_while_episodes_cost_more_than_the_limit_and_is_projected_at_zero()
    {
        var above = Run(Settings with { CostLimit = -1f, LambdaLearningRate = 0.1f });
        Assert.True(above.Lambda > 0f, "a limit below any reachable cost is always exceeded");
        var below = Run(Settings with { CostLimit = 1000f, LambdaLearningRate = 1f, InitialLambda = 5f });
        Assert.Equal(0f, below.Lambda);    // one step of -(huge) from 5 lands on the projection, not below it
        Assert.True(((PpoLagrangianMethod)below.Method).Updates > 0);
    }

    [Fact]
    public void A_run_is_deterministic_given_its_seed_and_never_takes_a_sac_step()
    {
        var first = Run(Settings with { CostLimit = 0.01f, LambdaLearningRate = 0.05f });
        var again = Run(Settings with { CostLimit = 0.01f, LambdaLearningRate = 0.05f });
        var other = Run(Settings with { CostLimit = 0.01f, LambdaLearningRate = 0.05f }, seed: 6);
        var a = first.Run(episodes: 3);
        var b = again.Run(episodes: 3);
        var c = other.Run(episodes: 3);
        Assert.Equal(a.Episodes.Select(e => e.Return), b.Episodes.Select(e => e.Return));
        Assert.Equal(first.Lambda, again.Lambda);
        Assert.Equal(first.Evaluate(2).MeanReturn, again.Evaluate(2).MeanReturn);
        Assert.NotEqual(a.Episodes.Select(e => e.Return), c.Episodes.Select(e => e.Return));
        Assert.Equal(0, first.TaskPolicy.Updates);
        var method = (PpoLagrangianMethod)first.Method;
        Assert.True(method.Updates >= 1, "the rollouts filled and updated the policy");
        Assert.False(double.IsNaN(method.LastEpisodeCost));
    }

    [Fact]
    public void Advantages_combine_as_the_standardised_reward_minus_lambda_times_the_centred_cost_over_one_plus_lambda()
    {
        float[] reward = [1f, 3f], cost = [0f, 2f];
        var combined = new float[2];
        PpoLagrangianMethod.CombineAdvantages(reward, cost, 1f, combined);
        Assert.Equal(-1f, reward[0], 4);
        Assert.Equal(1f, reward[1], 4);
        Assert.Equal(-1f, cost[0], 5);
        Assert.Equal((1f - 1f) / 2f, combined[1], 4);
        Assert.Equal((-1f + 1f) / 2f, combined[0], 4);
    }

    [Fact]
    public void Acting_filling_the_rollout_and_its_update_allocate_nothing_once_warm()
    {
        var runner = Run(Settings);
        var method = (PpoLagrangianMethod)runner.Method;
        var random = new Nn.Randomness.Xoshiro256StarStar(9);
        var obs = new float[4];
        var action = new float[1];
        void Rollout()
        {
            for (int t = 0; t < Settings.RolloutSteps; t++)
            {
                obs[0] = 0.01f * (t % 7);
                method.Propose(runner.TaskPolicy, obs, action, random);
                method.AfterStep(obs, 1f, t % 5 == 0 ? 1f : 0f, terminal: false, truncated: t % 50 == 49);
            }
        }
        Rollout();
        int updates = method.Updates;
        // Best of three windows, as the SAC test: a kernel split state is pooled process-wide.
        long allocated = long.MaxValue;
        for (int window = 0; window < 3 && allocated >= 1024; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Rollout();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(method.Updates > updates, "each window's rollout ends in an update");
        Assert.True(allocated < 1024, $"a {Settings.RolloutSteps}-step rollout and its update allocated {allocated} bytes in each of three windows");
    }

    private static readonly PpoLagrangianSettings Settings = new() { RolloutSteps = 128, MinibatchSize = 32, Epochs = 2, Hidden = [16] };

    private static OnlineRunner Run(PpoLagrangianSettings settings, int seed = 5)
    {
        var options = new OnlineRunOptions(OnlineAlgorithm.PpoLagrangian, 20, seed, "test-ppo-lagrangian")
        {
            Sac = new SacSettings { Hidden = [8], BatchSize = 8, RandomSteps = 1000 },
            PpoLagrangian = settings,
        };
        var runner = new OnlineRunner(StakesPairs.Get("cartpole-hazard").CreateHighStakes((ulong)(seed + 1)), new OnlineStart(null, null, null), options);
        runner.Run(episodes: 10);
        return runner;
    }
}
