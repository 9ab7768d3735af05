using OfflineSafety.Envs.Transfer;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Online.ConstrainedSac;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Online;

public class ConstrainedSacTests
{
    [Fact]
    public void The_cost_critic_target_is_cost_plus_discounted_next_cost_until_the_end()
    {
        Assert.Equal(1f + 0.99f * 3f, CostCritic.Target(1f, terminal: false, 3f, 0.99f), 5);
        Assert.Equal(0.99f * 3f, CostCritic.Target(0f, terminal: false, 3f, 0.99f), 5);
        Assert.Equal(1f, CostCritic.Target(1f, terminal: true, 3f, 0.99f));
    }

    [Fact]
    public void The_cost_critic_regresses_onto_its_target()
    {
        var sac = new SacSettings { Hidden = [16], BatchSize = 8 };
        var settings = new ConstrainedSacSettings { CostLearningRate = 3e-3f };
        var random = new Xoshiro256StarStar(2);
        var critic = new CostCritic(2, 1, sac, settings, random);
        var policy = new SoftActorCritic(2, new SquashedActionBox([-1f], [1f]), Normalization.Identity(2, 1), sac, random);
        var buffer = new ReplayBuffer(8, 2, 1);
        // Terminal rows: the target is the cost itself, 0.7 on every row.
        for (int i = 0; i < 8; i++) buffer.Add([i / 8f, 0f], [0f], 0f, 0.7f, true, terminal: true, [0f, 0f]);
        var batch = new SacBatch(8, 2, 1);
        for (int i = 0; i < 8; i++) { batch.Rows[i] = i; batch.Obs[2 * i] = i / 8f; }
        for (int k = 0; k < 500; k++) critic.Update(batch, buffer, policy, random);
        var q = new float[8];
        critic.Score(batch.Obs, batch.Action, 8, 2, 1, q);
        Assert.All(q, v => Assert.Equal(0.7f, v, 1));
    }

    [Fact]
    public void Beta_rises_while_the_scaled_cost_exceeds_the_limit_and_the_scale_is_explicit()
    {
        var perStep = new ConstrainedSacSettings { CostLimit = 0.05f, GammaCost = 0.99f };
        Assert.Equal(0.1f, perStep.Scaled(10f), 5);         // (1 - 0.99) * 10
        Assert.Equal(10f, (perStep with { Scale = CostLimitScale.Discounted }).Scaled(10f));
        Assert.Contains("per step", perStep.Describe());

        var runner = new OnlineRunner(DualAgentTests.CartPole(4), new OnlineStart(null, null, null), DualAgentTests.Options(OnlineAlgorithm.ConstrainedSac, 3) with
        {
            ConstrainedSac = new ConstrainedSacSettings { CostLimit = -1f, BetaLearningRate = 1f },
        });
        runner.Run();
        Assert.True(runner.Lambda > 0f, "a limit below any reachable cost is always exceeded");
    }

    [Fact]
    public void Feedback_observations_carry_the_previous_reward_and_cost()
    {
        var env = new FeedbackObservations(DualAgentTests.CartPole(1));
        Assert.Equal(6, env.ObservationSpace.Dim);
        var first = env.Reset(3).ToArray();
        Assert.Equal(0f, first[4]);
        Assert.Equal(0f, first[5]);
        var step = env.Step([1f]);
        Assert.Equal(step.Reward, step.Observation[4]);
        Assert.Equal(step.Cost, step.Observation[5]);
    }

    [Fact]
    public void A_pretrained_runner_transfers_with_its_learners_and_an_empty_buffer()
    {
        var pair = StakesPairs.Get("cartpole-hazard");
        var runner = new OnlineRunner(new FeedbackObservations(pair.CreateLowStakes(1)), new OnlineStart(null, null, null),
            DualAgentTests.Options(OnlineAlgorithm.ConstrainedSac, 3));
        runner.Run(episodes: 2);
        long updates = runner.TaskPolicy.Updates;
        Assert.True(updates > 0);
        runner.Deploy(new FeedbackObservations(pair.CreateHighStakes(2)));
        Assert.Equal(0, runner.TaskBuffer.Count);
        var deployed = runner.Run(episodes: 1);
        Assert.Single(deployed.Episodes);
        Assert.Equal(deployed.Episodes[0].Cost, deployed.LifetimeRegret);
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Run(episodes: 4));
    }

    [Fact]
    public void A_deployment_acts_with_the_policy_mean_for_its_first_deterministic_steps_then_explores()
    {
        var pair = StakesPairs.Get("cartpole-hazard");
        var options = DualAgentTests.Options(OnlineAlgorithm.ConstrainedSac, 20);
        // SAC updates once the (emptied) task buffer holds a batch: the first 128 deployment rows all
        // come from the policy the assertions query.
        options = options with { Sac = options.Sac with { BatchSize = 128 } };
        var runner = new OnlineRunner(new FeedbackObservations(pair.CreateLowStakes(1)), new OnlineStart(null, null, null), options);
        runner.Run(episodes: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Deploy(new FeedbackObservations(pair.CreateHighStakes(2)), deterministicSteps: -1));
        runner.Deploy(new FeedbackObservations(pair.CreateHighStakes(2)), deterministicSteps: 30);
        runner.Run(steps: 60);
        var buffer = runner.TaskBuffer;
        Assert.True(buffer.Count >= 60);
        int unchanged = Math.Min(buffer.Count, 128);
        var mean = new float[buffer.ActionRow(0).Length];
        var random = new Xoshiro256StarStar(9);
        int exploring = 0;
        for (int i = 0; i < unchanged; i++)
        {
            runner.TaskPolicy.Act(buffer.ObsRow(i), mean, deterministic: true, random);
            bool isMean = mean.AsSpan().SequenceEqual(buffer.ActionRow(i));
            if (i < 30) Assert.True(isMean, $"step {i} of the deterministic start did not act with the mean");
            else if (!isMean) exploring++;
        }
        Assert.True(exploring > 0, "after the deterministic start the policy samples again");
    }

    [Fact]
    public void A_deployment_can_keep_the_pretraining_rows_in_the_replay_buffer()
    {
        var pair = StakesPairs.Get("cartpole-hazard");
        var runner = new OnlineRunner(new FeedbackObservations(pair.CreateLowStakes(1)), new OnlineStart(null, null, null),
            DualAgentTests.Options(OnlineAlgorithm.ConstrainedSac, 3));
        runner.Run(episodes: 1);
        int pretrained = runner.TaskBuffer.Count;
        var first = runner.TaskBuffer.ObsRow(0).ToArray();
        runner.Deploy(new FeedbackObservations(pair.CreateHighStakes(2)), keepTaskBuffer: true);
        Assert.Equal(pretrained, runner.TaskBuffer.Count);
        Assert.Equal(first, runner.TaskBuffer.ObsRow(0).ToArray());
        var deployed = runner.Run(episodes: 1);
        Assert.Equal(pretrained + deployed.Episodes[0].Steps, runner.TaskBuffer.Count);
    }
}
