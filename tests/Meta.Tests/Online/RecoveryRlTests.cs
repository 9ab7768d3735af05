using OfflineSafety.Envs.Collection;
using OfflineSafety.Meta.Online;

namespace OfflineSafety.Meta.Tests.Online;

public class RecoveryRlTests
{
    [Fact]
    public void Switch_fires_exactly_when_risk_exceeds_eps()
    {
        Assert.False(RecoverySwitch.ShouldRecover(0.29f, 0.3f));
        Assert.False(RecoverySwitch.ShouldRecover(0.3f, 0.3f));
        Assert.True(RecoverySwitch.ShouldRecover(0.3001f, 0.3f));
    }

    [Theory]
    [InlineData(0.45f, true)]    // risk 0.5 > eps: every step recovers
    [InlineData(0.55f, false)]   // risk 0.5 <= eps: none does
    public void Runner_recovers_on_every_step_or_none_by_the_critic_threshold(float eps, bool expectAll)
    {
        var n = OnlineFixtures.NavigationNormalization();
        var critic = OnlineFixtures.ConstantCritic(0f, n);     // Q_risk = 0.5 everywhere, frozen (lr 0)
        var runner = new OnlineRunner(OnlineFixtures.Environment(), new OnlineStart(critic, OnlineFixtures.FixedRecovery(n, 0.5f), null),
            OnlineFixtures.Options(OnlineAlgorithm.Recovery, 2, eps));
        var result = runner.Run();
        int steps = result.Episodes.Sum(e => e.Steps), recovered = result.Episodes.Sum(e => e.RecoverySteps);
        Assert.True(steps > 0);
        Assert.Equal(expectAll ? steps : 0, recovered);
        // Recovering on every step is one streak from step 0; never recovering has none.
        Assert.All(result.Episodes, e => Assert.Equal(expectAll ? 0 : -1, e.LastRecoveryStreakStart));
    }

    [Fact]
    public void Task_buffer_holds_proposed_actions_and_critic_buffer_the_executed_recovery_actions()
    {
        var n = OnlineFixtures.NavigationNormalization();
        var critic = OnlineFixtures.ConstantCritic(20f, n);    // Q_risk ~ 1: every proposal is rejected
        var runner = new OnlineRunner(OnlineFixtures.Environment(), new OnlineStart(critic, OnlineFixtures.FixedRecovery(n, 0.5f), null),
            OnlineFixtures.Options(OnlineAlgorithm.Recovery, 2));
        var log = new TransitionCollector(2, 2, 256);
        runner.Run(log);

        var task = runner.TaskBuffer;
        var executed = runner.CriticBuffer;
        Assert.Equal(task.Count, executed.Count);
        Assert.Equal(task.Count, log.Batch.Count);
        int differing = 0;
        for (int i = 0; i < task.Count; i++)
        {
            // Same transition (state and successor) in both buffers ...
            Assert.Equal(task.ObsRow(i).ToArray(), executed.ObsRow(i).ToArray());
            Assert.Equal(task.NextObsRow(i).ToArray(), executed.NextObsRow(i).ToArray());
            // with the reward and episode end the executed action earned (the paper's (s, a_task, s', r)),
            Assert.Equal(executed.Reward(i), task.Reward(i));
            Assert.Equal(executed.Terminal(i), task.Terminal(i));
            // ... but the critic buffer and the log hold what ran (the recovery action 0.5, 0.5),
            Assert.Equal(0.5f, executed.ActionRow(i)[0], 4);
            Assert.Equal(0.5f, executed.ActionRow(i)[1], 4);
            Assert.Equal(executed.ActionRow(i).ToArray(), log.Batch.ActionRow(i).ToArray());
            // while the task buffer holds the policy's own stochastic proposals.
            if (MathF.Abs(task.ActionRow(i)[0] - 0.5f) > 1e-3f) differing++;
        }
        Assert.True(differing > task.Count * 9 / 10, $"only {differing} of {task.Count} task-buffer actions differ from the executed ones");
    }

    [Fact]
    public void With_the_executed_rule_the_task_buffer_holds_the_recovery_action_on_overridden_steps()
    {
        var n = OnlineFixtures.NavigationNormalization();
        var critic = OnlineFixtures.ConstantCritic(20f, n);    // Q_risk ~ 1: every proposal is rejected
        var options = OnlineFixtures.Options(OnlineAlgorithm.Recovery, 2);
        options = options with { Safety = options.Safety with { RecoveryRelabel = RecoveryRelabel.Executed } };
        var runner = new OnlineRunner(OnlineFixtures.Environment(), new OnlineStart(critic, OnlineFixtures.FixedRecovery(n, 0.5f), null), options);
        var result = runner.Run();

        var task = runner.TaskBuffer;
        Assert.Equal(result.Episodes.Sum(e => e.Steps), result.Episodes.Sum(e => e.RecoverySteps));
        Assert.True(task.Count > 0);
        for (int i = 0; i < task.Count; i++)
        {
            // The paper's "no relabelling" ablation: (s, a_executed, r, s') in both buffers.
            Assert.Equal(runner.CriticBuffer.ActionRow(i).ToArray(), task.ActionRow(i).ToArray());
            Assert.Equal(0.5f, task.ActionRow(i)[0], 4);
            Assert.Equal(runner.CriticBuffer.Reward(i), task.Reward(i));
        }
    }

    [Fact]
    public void With_the_drop_rule_overridden_steps_leave_no_task_row()
    {
        var n = OnlineFixtures.NavigationNormalization();
        var options = OnlineFixtures.Options(OnlineAlgorithm.Recovery, 2);
        options = options with { Safety = options.Safety with { RecoveryRelabel = RecoveryRelabel.Drop } };
        var runner = new OnlineRunner(OnlineFixtures.Environment(), new OnlineStart(OnlineFixtures.ConstantCritic(20f, n), OnlineFixtures.FixedRecovery(n, 0.5f), null), options);
        var result = runner.Run();
        Assert.Equal(result.Episodes.Sum(e => e.Steps), result.Episodes.Sum(e => e.RecoverySteps));
        Assert.Equal(0, runner.TaskBuffer.Count);
        Assert.Equal(result.Steps, runner.CriticBuffer.Count);
    }

    [Fact]
    public void The_ablations_leave_unshielded_steps_and_other_methods_alone()
    {
        // No step is overridden (Q_risk ~ 0), and unconstrained SAC never is: the option must change nothing.
        var n = OnlineFixtures.NavigationNormalization();
        foreach (var (algorithm, logit) in new[] { (OnlineAlgorithm.Recovery, -20f), (OnlineAlgorithm.Unconstrained, 20f) })
        {
            OnlineRunner Runner(RecoveryRelabel relabel)
            {
                var options = OnlineFixtures.Options(algorithm, 2);
                options = options with { Safety = options.Safety with { RecoveryRelabel = relabel } };
                return new OnlineRunner(OnlineFixtures.Environment(), new OnlineStart(OnlineFixtures.ConstantCritic(logit, n), OnlineFixtures.FixedRecovery(n, 0.5f), null), options);
            }
            var paper = Runner(RecoveryRelabel.Proposal);
            var a = paper.Run();
            foreach (var rule in new[] { RecoveryRelabel.Executed, RecoveryRelabel.Drop })
            {
                var ablation = Runner(rule);
                var b = ablation.Run();
                Assert.Equal(a.Episodes.Select(e => (e.Return, e.Steps, e.RecoverySteps)), b.Episodes.Select(e => (e.Return, e.Steps, e.RecoverySteps)));
                Assert.Equal(paper.TaskBuffer.Count, ablation.TaskBuffer.Count);
                for (int i = 0; i < paper.TaskBuffer.Count; i++)
                    Assert.Equal(paper.TaskBuffer.ActionRow(i).ToArray(), ablation.TaskBuffer.ActionRow(i).ToArray());
            }
        }
    }

    private static OnlineRunner PenaltyRunner(OnlineAlgorithm algorithm, float logit, float penalty, RecoveryRelabel relabel = RecoveryRelabel.Proposal)
    {
        var n = OnlineFixtures.NavigationNormalization();
        var options = OnlineFixtures.Options(algorithm, 2);
        options = options with { Safety = options.Safety with { RecoveryPenalty = penalty, RecoveryRelabel = relabel } };
        return new OnlineRunner(OnlineFixtures.Environment(), new OnlineStart(OnlineFixtures.ConstantCritic(logit, n), OnlineFixtures.FixedRecovery(n, 0.5f), null), options);
    }

    [Theory]
    [InlineData(RecoveryRelabel.Proposal)]
    [InlineData(RecoveryRelabel.Executed)]
    public void With_a_penalty_an_overridden_steps_task_row_carries_the_reward_minus_lambda(RecoveryRelabel relabel)
    {
        var runner = PenaltyRunner(OnlineAlgorithm.Recovery, 20f, 2.5f, relabel);    // Q_risk ~ 1: every proposal is overridden
        var result = runner.Run();
        Assert.Equal(result.Episodes.Sum(e => e.Steps), result.Episodes.Sum(e => e.RecoverySteps));
        var task = runner.TaskBuffer;
        Assert.Equal(runner.CriticBuffer.Count, task.Count);
        for (int i = 0; i < task.Count; i++)
        {
            // The critic keeps what the environment paid; only the task row is penalised, whichever action it stores.
            Assert.Equal(runner.CriticBuffer.Reward(i) - 2.5f, task.Reward(i));
            if (relabel == RecoveryRelabel.Executed) Assert.Equal(runner.CriticBuffer.ActionRow(i).ToArray(), task.ActionRow(i).ToArray());
        }
        // The episode's return is the environment's, not the penalised one.
        Assert.Equal(Enumerable.Range(0, task.Count).Sum(i => (double)runner.CriticBuffer.Reward(i)), result.Episodes.Sum(e => (double)e.Return), 2);
    }

    [Fact]
    public void With_a_penalty_and_the_drop_rule_overridden_steps_still_leave_no_task_row()
    {
        var runner = PenaltyRunner(OnlineAlgorithm.Recovery, 20f, 2.5f, RecoveryRelabel.Drop);
        var result = runner.Run();
        Assert.Equal(0, runner.TaskBuffer.Count);
        Assert.Equal(result.Steps, runner.CriticBuffer.Count);
    }

    [Fact]
    public void A_penalty_leaves_unshielded_steps_and_other_methods_alone_and_zero_is_the_paper()
    {
        // No step overridden (Q_risk ~ 0), unconstrained SAC (never overridden), and every step overridden with lambda 0:
        // the runs must be identical to the paper's, row for row.
        foreach (var (algorithm, logit, penalty) in new[] { (OnlineAlgorithm.Recovery, -20f, 3f), (OnlineAlgorithm.Unconstrained, 20f, 3f), (OnlineAlgorithm.Recovery, 20f, 0f) })
        {
            var paper = PenaltyRunner(algorithm, logit, 0f);
            var a = paper.Run();
            var other = PenaltyRunner(algorithm, logit, penalty);
            var b = other.Run();
            Assert.Equal(a.Episodes.Select(e => (e.Return, e.Steps, e.RecoverySteps)), b.Episodes.Select(e => (e.Return, e.Steps, e.RecoverySteps)));
            Assert.Equal(paper.TaskBuffer.Count, other.TaskBuffer.Count);
            for (int i = 0; i < paper.TaskBuffer.Count; i++)
            {
                Assert.Equal(paper.TaskBuffer.Reward(i), other.TaskBuffer.Reward(i));
                Assert.Equal(paper.TaskBuffer.ActionRow(i).ToArray(), other.TaskBuffer.ActionRow(i).ToArray());
            }
        }
    }

    [Theory]
    [InlineData(-0.5f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_negative_or_non_finite_penalty_is_refused_naming_the_flag(float penalty)
    {
        var e = Assert.Throws<OfflineSafety.Errors.BadInputException>(() => PenaltyRunner(OnlineAlgorithm.Recovery, 20f, penalty));
        Assert.StartsWith("--recovery-penalty must be", e.Message);
    }

    [Fact]
    public void Without_a_switch_both_buffers_hold_the_same_actions()
    {
        var n = OnlineFixtures.NavigationNormalization();
        var runner = new OnlineRunner(OnlineFixtures.Environment(), new OnlineStart(OnlineFixtures.ConstantCritic(-20f, n), OnlineFixtures.FixedRecovery(n, 0.5f), null),
            OnlineFixtures.Options(OnlineAlgorithm.Recovery, 1));
        var result = runner.Run();
        Assert.Equal(0, result.Episodes[0].RecoverySteps);
        for (int i = 0; i < runner.TaskBuffer.Count; i++)
            Assert.Equal(runner.TaskBuffer.ActionRow(i).ToArray(), runner.CriticBuffer.ActionRow(i).ToArray());
    }

    [Fact]
    public void Every_baseline_runs_and_counts_episodes()
    {
        var n = OnlineFixtures.NavigationNormalization();
        // SAFER acts through a fitted skill prior, not a critic: SaferMethodTests runs it.
        foreach (var algorithm in Enum.GetValues<OnlineAlgorithm>().Where(a => a != OnlineAlgorithm.Safer))
        {
            var start = new OnlineStart(OnlineFixtures.ConstantCritic(-1f, n), OnlineFixtures.FixedRecovery(n, 0.5f), null);
            var result = new OnlineRunner(OnlineFixtures.Environment(), start, OnlineFixtures.Options(algorithm, 2, criticLearningRate: 3e-4f)).Run();
            Assert.Equal(2, result.Episodes.Count);
            Assert.Equal(result.Steps, result.Episodes.Sum(e => e.Steps));
            Assert.Equal(result.Episodes.Count(e => e.Violation), result.Violations);
        }
    }
}
