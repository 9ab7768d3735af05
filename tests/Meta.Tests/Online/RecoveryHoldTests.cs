using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Online.Methods;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Online;

/// <summary>`--recovery-hold H`: once the switch fires, the recovery policy keeps control for H steps.</summary>
public class RecoveryHoldTests
{
    private sealed class FixedAction : IOnlineRecovery
    {
        public void Act(ReadOnlySpan<float> obs, Span<float> action) => action.Fill(0.5f);
        public void Learn(CriticBatch criticBatch, ReplayBuffer criticBuffer, Xoshiro256StarStar random) { }
    }

    private static readonly float[] Obs = [-20f, 1f];

    private static RecoveryRlMethod Method(SafetyCritic critic, int hold) =>
        new(critic, new SquashedActionBox([-1f, -1f], [1f, 1f]), 0.3f, new FixedAction(), hold);

    /// <summary>The frozen constant critic's risk, set in place: sigmoid(logit) for every input.</summary>
    private static void SetLogit(SafetyCritic critic, float logit)
    {
        var shape = critic.Shape;
        critic.Parameters.Data.Slice(shape.BiasOffset(shape.Layers - 1), shape.Outputs).Fill(logit);
    }

    private static bool Shield(RecoveryRlMethod method)
    {
        var action = new float[] { -0.9f, 0.9f };
        bool shielded = method.Shield(Obs, action);
        Assert.Equal(shielded ? 0.5f : -0.9f, action[0], 4);
        return shielded;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    public void After_one_trigger_the_recovery_policy_keeps_control_exactly_H_steps(int hold)
    {
        var critic = OnlineFixtures.ConstantCritic(20f);   // Q_risk ~ 1 > eps 0.3: the switch fires
        var method = Method(critic, hold);
        method.BeginEpisode();
        Assert.True(Shield(method));
        SetLogit(critic, -20f);                            // Q_risk ~ 0 from now on: only the hold recovers
        int held = 0;
        while (Shield(method)) held++;
        Assert.Equal(hold - 1, held);
        for (int i = 0; i < 2 * hold; i++) Assert.False(Shield(method));
    }

    [Fact]
    public void A_hold_does_not_outlive_its_episode()
    {
        var critic = OnlineFixtures.ConstantCritic(20f);
        var method = Method(critic, 25);
        method.BeginEpisode();
        Assert.True(Shield(method));
        SetLogit(critic, -20f);
        method.BeginEpisode();
        Assert.False(Shield(method));
    }

    [Fact]
    public void A_trigger_after_the_hold_starts_a_new_hold()
    {
        var critic = OnlineFixtures.ConstantCritic(20f);
        var method = Method(critic, 4);
        method.BeginEpisode();
        // Risk stays high: every step recovers, in holds of 4 back to back.
        for (int i = 0; i < 13; i++) Assert.True(Shield(method));
        SetLogit(critic, -20f);
        for (int i = 0; i < 3; i++) Assert.True(Shield(method));   // the fourth hold started at step 12
        Assert.False(Shield(method));
    }

    [Fact]
    public void Hold_1_is_the_per_step_switch()
    {
        var critic = OnlineFixtures.ConstantCritic(0f);
        var method = Method(critic, 1);
        method.BeginEpisode();
        foreach (float logit in new[] { 20f, -20f, 20f, 20f, -20f, -0.9f, -0.8f, 20f, -20f })
        {
            SetLogit(critic, logit);
            Assert.Equal(RecoverySwitch.ShouldRecover(1f / (1f + MathF.Exp(-logit)), 0.3f), Shield(method));
        }
    }

    [Fact]
    public void Hold_1_runs_are_the_default_runs()
    {
        var n = OnlineFixtures.NavigationNormalization();
        OnlineRunResult Run(int? hold)
        {
            // A random frozen critic: its risk varies over states around eps, so the switch fires now and then.
            var options = OnlineFixtures.Options(OnlineAlgorithm.Recovery, 3, 0.5f);
            if (hold is { } h) options = options with { Safety = options.Safety with { RecoveryHold = h } };
            var start = new OnlineStart(SafetyCritic.Create(new CriticArchitecture([8], 2), n, new Xoshiro256StarStar(4)), OnlineFixtures.FixedRecovery(n, 0.5f), null);
            return new OnlineRunner(OnlineFixtures.Environment(), start, options).Run();
        }
        var before = Run(null);
        var one = Run(1);
        var held = Run(5);
        Assert.Equal(before.Episodes.Select(e => (e.Return, e.Steps, e.RecoverySteps)), one.Episodes.Select(e => (e.Return, e.Steps, e.RecoverySteps)));
        int recovered = before.Episodes.Sum(e => e.RecoverySteps);
        Assert.True(recovered > 0 && recovered < before.Steps, "the switch fired on no step or on every step: the test shows nothing");
        Assert.NotEqual(before.Episodes.Select(e => (e.Return, e.Steps, e.RecoverySteps)), held.Episodes.Select(e => (e.Return, e.Steps, e.RecoverySteps)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void A_hold_below_1_is_a_one_line_error_naming_the_flag(int hold)
    {
        var e = Assert.Throws<BadInputException>(() => RecoverySwitch.CheckHold(hold));
        Assert.StartsWith("--recovery-hold", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Throws<BadInputException>(() => new RecoveryHold(hold));
    }
}
