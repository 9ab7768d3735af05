using OfflineSafety.Errors;
using OfflineSafety.Meta.Adaptation;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Online;

/// <summary>`--recovery-gamma G`: the model-free recovery policy minimises its own critic, trained with discount G.</summary>
public class RecoveryCriticTests
{
    [Theory]
    [InlineData(0.95f)]
    [InlineData(0.99f)]
    public void Its_targets_discount_with_gamma_recovery_and_leave_the_source_batch_alone(float gamma)
    {
        var n = OnlineFixtures.NavigationNormalization();
        var start = OnlineFixtures.ConstantCritic(-1f, n);   // Q_targ = sigmoid(-1) for every (s', a')
        var policy = OnlineFixtures.FixedRecovery(n, 0.5f);
        var before = start.Parameters.Data.ToArray();
        var critic = new RecoveryCritic(start, policy, gamma, 8, 1e-3f, 0.005f);
        var source = OnlineFixtures.RandomCriticBatch(8, 7);
        var sourceNext = source.NextInput.ToArray();

        critic.Step(source);

        float q = 1f / (1f + MathF.Exp(1f));
        var b = critic.Batch;
        for (int i = 0; i < 8; i++)
        {
            float expected = b.Unsafe[i] == 1f ? 1f : b.Terminal[i] == 1f ? 0f : gamma * q;
            Assert.Equal(expected, b.Target[i], 5);
            // a' is the recovery policy's own action, in normalised units
            for (int d = 0; d < 2; d++) Assert.Equal(policy.ToNormalizedAction(0.5f, d), b.NextActionOf(i)[d], 5);
        }
        Assert.Equal(sourceNext, source.NextInput);
        Assert.All(source.Target, t => Assert.Equal(0f, t));
        // It trains the critic it was given in place, as the recovery policy is trained.
        Assert.Same(start, critic.Critic);
        Assert.NotEqual(before, start.Parameters.Data.ToArray());
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(-0.5f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void A_gamma_outside_0_1_is_a_one_line_error_naming_the_flag(float gamma)
    {
        var e = Assert.Throws<BadInputException>(() => RecoveryCritic.CheckGamma(gamma));
        Assert.StartsWith("--recovery-gamma", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Model_based_recovery_refuses_a_recovery_gamma_in_one_line()
    {
        var n = OnlineFixtures.NavigationNormalization();
        var options = OnlineFixtures.Options(OnlineAlgorithm.Recovery, 1) is var o
            ? o with { Recovery = RecoveryKind.ModelBased, Safety = o.Safety with { RecoveryGamma = 0.95f } } : null!;
        var start = new OnlineStart(OnlineFixtures.ConstantCritic(0f, n), null, null);
        var e = Assert.Throws<BadInputException>(() => new OnlineRunner(OnlineFixtures.Environment(), start, options).Run());
        Assert.StartsWith("--recovery-gamma", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    private static OnlineRunResult Run(float? gamma, bool setExplicitly = true)
    {
        var n = OnlineFixtures.NavigationNormalization();
        // A random critic that keeps learning and a random recovery policy that learns, so the objective matters.
        var options = OnlineFixtures.Options(OnlineAlgorithm.Recovery, 3, 0.5f, criticLearningRate: 1e-3f);
        options = options with { Safety = options.Safety with { RecoveryLearningRate = 3e-3f } };
        if (setExplicitly) options = options with { Safety = options.Safety with { RecoveryGamma = gamma } };
        var start = new OnlineStart(SafetyCritic.Create(new CriticArchitecture([8], 2), n, new Xoshiro256StarStar(4)),
            RecoveryPolicy.Create(n, [8], new Xoshiro256StarStar(6)), null);
        return new OnlineRunner(OnlineFixtures.Environment(), start, options).Run();
    }

    [Fact]
    public void Off_runs_are_the_default_runs_and_on_changes_the_recovery_policy()
    {
        static IEnumerable<(float, int, int)> Of(OnlineRunResult r) => r.Episodes.Select(e => (e.Return, e.Steps, e.RecoverySteps));
        var before = Run(null, setExplicitly: false);
        var off = Run(null);
        var on = Run(0.95f);
        Assert.Equal(Of(before), Of(off));
        int recovered = before.Episodes.Sum(e => e.RecoverySteps);
        Assert.True(recovered > 0, "the switch never fired: the test shows nothing");
        Assert.NotEqual(Of(before), Of(on));
    }

    [Fact]
    public void Adapting_with_a_recovery_gamma_leaves_the_switch_critic_as_it_was()
    {
        var data = WallWalk.Generate([("test", 0.4f)], 40, seed: 1);
        var rows = TaskRows.Select(data, null);
        var small = new CriticArchitecture([16, 16], 2);
        var baseCritic = new SingleDatasetTrainer(new CriticTrainingSettings { Steps = 20, BatchSize = 32, Architecture = small }).Train(rows).Critic;
        var settings = new AdaptationSettings { Steps = 10, BatchSize = 16, RecoveryHidden = [16, 16] };

        var plain = new CriticAdaptation(settings).Adapt(baseCritic, 0.8f, rows);
        var withGamma = new CriticAdaptation(settings, recoveryGamma: 0.99f).Adapt(baseCritic, 0.8f, rows);

        Assert.Null(plain.RecoveryCritic);
        Assert.Equal(plain.Critic.Parameters.Data.ToArray(), withGamma.Critic.Parameters.Data.ToArray());
        Assert.NotNull(withGamma.RecoveryCritic);
        Assert.NotEqual(withGamma.Critic.Parameters.Data.ToArray(), withGamma.RecoveryCritic!.Parameters.Data.ToArray());
        Assert.NotEqual(plain.Recovery!.Parameters.Data.ToArray(), withGamma.Recovery!.Parameters.Data.ToArray());
    }

    [Fact]
    public void Its_online_learning_step_allocates_nothing()
    {
        var n = OnlineFixtures.NavigationNormalization();
        var policy = RecoveryPolicy.Create(n, [8], new Xoshiro256StarStar(6));
        var safety = new SafetySettings { CriticBatchSize = 16, RecoveryHidden = [8], RecoveryGamma = 0.99f };
        var recovery = new ModelFreeRecovery(policy, SafetyCritic.Create(new CriticArchitecture([8], 2), n, new Xoshiro256StarStar(4)), safety);
        var batch = OnlineFixtures.RandomCriticBatch(16, 9);
        var random = new Xoshiro256StarStar(3);
        for (int i = 0; i < 5; i++) recovery.Learn(batch, null!, random);
        // Best of three windows, as in the SAC test: a pooled kernel split state can be emptied by a neighbouring test.
        long allocated = long.MaxValue;
        for (int window = 0; window < 3 && allocated >= 1024; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++) recovery.Learn(batch, null!, random);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(allocated < 1024, $"20 recovery-critic + policy steps allocated {allocated} bytes in each of three windows");
        Assert.NotNull(recovery.RecoveryCritic);
    }

    [Fact]
    public void The_critic_surface_probe_reads_a_constant_critic_as_flat_and_a_policy_action_at_its_value()
    {
        var n = OnlineFixtures.NavigationNormalization();
        var logged = new Ingest.Transitions.TransitionBatch(2, 2);
        for (int i = 0; i < 5; i++)
            logged.Add(0, i, "v", "test", [-20f + i, 1f], [0f, 0f], [-19f + i, 1f], 0f, 0f, false, false, false);
        var random = new Xoshiro256StarStar(1);
        var r = CriticActionProbe.Run(OnlineFixtures.ConstantCritic(-1f, n), logged, [0, 2, 4], OnlineFixtures.FixedRecovery(n, 0.5f), [-1f, -1f], [1f, 1f], 8, random);

        float q = 1f / (1f + MathF.Exp(1f));
        Assert.Equal(3, r.States);
        Assert.Equal(q, r.AtPolicy, 5);
        Assert.Equal(q, r.UniformMean, 5);
        Assert.Equal(q, r.UniformMin, 5);
        Assert.Equal(1.0, r.FlatFraction);
    }
}
