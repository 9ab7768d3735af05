using OfflineSafety.Envs;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Online;

/// <summary>`--recovery-objective margin`: a second SAC agent on the constraint's margin is the recovery action.</summary>
public class MarginRecoveryTests
{
    /// <summary>Navigation's x as a stand-in margin (the wall-side coordinate): margin = -x - 10, scale 20.</summary>
    private sealed class XMargin : ISafetyMargin
    {
        public float Of(ReadOnlySpan<float> observation) => -observation[0] - 10f;
        public float Scale => 20f;
    }

    private static MarginRecoveryAgent Agent(Normalization n, int batchSize = 16) =>
        new(new XMargin(), n, new SacSettings { Hidden = [16, 16], BatchSize = 64 }, new SafetySettings { CriticBatchSize = batchSize }, new Xoshiro256StarStar(8));

    [Fact]
    public void Its_reward_is_the_clamped_scaled_margin_of_s_prime_and_a_violation_is_terminal()
    {
        var n = OnlineFixtures.NavigationNormalization();
        var agent = Agent(n);
        var source = OnlineFixtures.RandomCriticBatch(16, 7);
        var sourceInput = source.Input.ToArray();
        agent.Step(source, new Xoshiro256StarStar(1));

        var b = agent.Batch;
        for (int i = 0; i < 16; i++)
        {
            float x = source.NextObsOf(i)[0] * n.ObsStd[0] + n.ObsMean[0];
            Assert.Equal(Math.Clamp((-x - 10f) / 20f, 0f, 1f), b.Reward[i], 5);
            Assert.Equal(source.Unsafe[i] == 1f || source.Terminal[i] == 1f ? 1f : 0f, b.Done[i]);
            // Same normalised observations; actions onto the squashed [-1, 1] box of the critic's action box.
            Assert.Equal(source.ObsOf(i).ToArray(), b.Obs.AsSpan(i * 2, 2).ToArray());
            Assert.Equal(source.NextObsOf(i).ToArray(), b.NextObs.AsSpan(i * 2, 2).ToArray());
            for (int d = 0; d < 2; d++)
                Assert.Equal(Math.Clamp(source.ActionOf(i)[d] * n.ActionStd[d] + n.ActionMean[d], -1f + 1e-5f, 1f - 1e-5f), b.Action[i * 2 + d], 5);
        }
        Assert.Equal(sourceInput, source.Input);
        // Its own SAC: the margin discount, the critic's batch size, the run's network sizes.
        Assert.Equal(0.99f, agent.Settings.Gamma);
        Assert.Equal(16, agent.Settings.BatchSize);
        Assert.Equal([16, 16], agent.Settings.Hidden);
        Assert.Equal(1, agent.Agent.Updates);
    }

    /// <summary>WallWalk's margin: the violation is x' &gt; 1.</summary>
    private sealed class WallMargin : ISafetyMargin
    {
        public float Of(ReadOnlySpan<float> observation) => 1f - observation[0];
        public float Scale => 2f;
    }

    [Fact]
    public void Offline_pretraining_learns_to_step_away_from_the_wall_deterministically()
    {
        var data = WallWalk.Generate([("test", 0.4f)], 60, seed: 1);
        var rows = TaskRows.Select(data, null);
        var n = Normalization.Fit(data);
        var safety = new SafetySettings { CriticBatchSize = 32 };
        var sac = new SacSettings { Hidden = [32, 32], BatchSize = 32 };
        var a = MarginRecoveryAgent.Pretrain(new WallMargin(), n, rows, sac, safety, 400, 3);
        var b = MarginRecoveryAgent.Pretrain(new WallMargin(), n, rows, sac, safety, 400, 3);
        Assert.Equal(400, a.Agent.Updates);
        var action1 = new float[1];
        var action2 = new float[1];
        a.Act([0.8f], action1);
        b.Act([0.8f], action2);
        Assert.Equal(action1, action2);
        // Near the wall the margin rewards moving back (x' = x + 0.4 a): a clearly negative action.
        Assert.True(action1[0] < -0.5f, $"recovery action {action1[0]} at x = 0.8");
    }

    private static OnlineRunResult Run(RecoveryObjective? objective)
    {
        var n = OnlineFixtures.NavigationNormalization();
        var options = OnlineFixtures.Options(OnlineAlgorithm.Recovery, 3, 0.5f, criticLearningRate: 1e-3f);
        options = options with { Safety = options.Safety with { RecoveryLearningRate = 3e-3f } };
        if (objective is { } o) options = options with { Safety = options.Safety with { RecoveryObjective = o } };
        var start = new OnlineStart(SafetyCritic.Create(new CriticArchitecture([8], 2), n, new Xoshiro256StarStar(4)),
            RecoveryPolicy.Create(n, [8], new Xoshiro256StarStar(6)), null)
        {
            MarginRecovery = new MarginRecoveryAgent(new XMargin(), n, options.Sac, options.Safety, new Xoshiro256StarStar(9)),
        };
        return new OnlineRunner(OnlineFixtures.Environment(), start, options).Run();
    }

    [Fact]
    public void Off_runs_are_the_default_runs_and_on_changes_the_recovery_action()
    {
        static IEnumerable<(float, int, int)> Of(OnlineRunResult r) => r.Episodes.Select(e => (e.Return, e.Steps, e.RecoverySteps));
        var before = Run(null);
        var off = Run(RecoveryObjective.Risk);
        var on = Run(RecoveryObjective.Margin);
        Assert.Equal(Of(before), Of(off));
        Assert.True(before.Episodes.Sum(e => e.RecoverySteps) > 0, "the switch never fired: the test shows nothing");
        Assert.NotEqual(Of(before), Of(on));
    }

    public static TheoryData<string> BadUses => new() { "model-based", "recovery-gamma", "recovery-bc", "no-agent" };

    [Theory]
    [MemberData(nameof(BadUses))]
    public void Unsupported_uses_are_one_line_errors_naming_the_flag(string use)
    {
        var n = OnlineFixtures.NavigationNormalization();
        var options = OnlineFixtures.Options(OnlineAlgorithm.Recovery, 1);
        options = options with { Safety = options.Safety with { RecoveryObjective = RecoveryObjective.Margin } };
        var start = new OnlineStart(OnlineFixtures.ConstantCritic(0f, n), OnlineFixtures.FixedRecovery(n, 0.5f), null)
        {
            MarginRecovery = use == "no-agent" ? null : new MarginRecoveryAgent(new XMargin(), n, options.Sac, options.Safety, new Xoshiro256StarStar(9)),
        };
        switch (use)
        {
            case "model-based": options = options with { Recovery = RecoveryKind.ModelBased }; break;
            case "recovery-gamma": options = options with { Safety = options.Safety with { RecoveryGamma = 0.95f } }; break;
            case "recovery-bc":
                var e0 = Assert.Throws<BadInputException>(() => MarginRecoveryAgent.CheckSupported(RecoveryKind.ModelFree, options.Safety, cloning: true));
                Assert.StartsWith("--recovery-objective margin", e0.Message);
                Assert.Contains("--recovery-bc", e0.Message);
                Assert.DoesNotContain('\n', e0.Message);
                return;
        }
        var e = Assert.Throws<BadInputException>(() => new OnlineRunner(OnlineFixtures.Environment(), start, options));
        Assert.Contains("--recovery-objective margin", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Frozen_it_acts_but_does_not_learn_online()
    {
        var n = OnlineFixtures.NavigationNormalization();
        var agent = new MarginRecoveryAgent(new XMargin(), n, new SacSettings { Hidden = [16, 16] },
            new SafetySettings { CriticBatchSize = 16, RecoveryMarginFrozen = true }, new Xoshiro256StarStar(8));
        var before = agent.Settings;
        agent.Learn(OnlineFixtures.RandomCriticBatch(16, 9), null!, new Xoshiro256StarStar(3));
        Assert.Equal(0, agent.Agent.Updates);
        // Offline pretraining still trains it (Step is not gated).
        agent.Step(OnlineFixtures.RandomCriticBatch(16, 9), new Xoshiro256StarStar(3));
        Assert.Equal(1, agent.Agent.Updates);
        Assert.Same(before, agent.Settings);
    }

    [Fact]
    public void Its_online_learning_and_acting_allocate_nothing()
    {
        var n = OnlineFixtures.NavigationNormalization();
        var agent = Agent(n);
        var batch = OnlineFixtures.RandomCriticBatch(16, 9);
        var random = new Xoshiro256StarStar(3);
        var obs = new float[] { -20f, 1f };
        var action = new float[2];
        for (int i = 0; i < 5; i++) { agent.Learn(batch, null!, random); agent.Act(obs, action); }
        // Best of three windows, as in the SAC test: a pooled kernel split state can be emptied by a neighbouring test.
        long allocated = long.MaxValue;
        for (int window = 0; window < 3 && allocated >= 1024; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++) { agent.Learn(batch, null!, random); agent.Act(obs, action); }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(allocated < 1024, $"20 margin-agent steps allocated {allocated} bytes in each of three windows");
    }
}
