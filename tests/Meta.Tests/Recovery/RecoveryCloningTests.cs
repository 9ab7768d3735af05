using OfflineSafety.Envs.Collection;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Tests.Online;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Recovery;

/// <summary>Behaviour cloning of the recovery policy towards restart actions that avoided the violation (`--recovery-bc`).</summary>
public class RecoveryCloningTests
{
    private const string Restart = RestartLabelCollection.Source;

    /// <summary>Adds one restart episode of <paramref name="length"/> rows holding <paramref name="action"/> from <paramref name="obs"/>.</summary>
    private static void AddRestart(TransitionBatch b, long episode, float[] obs, float action, int length, bool falls, float rewardPerStep, string variant = "v")
    {
        for (int s = 0; s < length; s++)
        {
            bool last = s == length - 1;
            b.Add(episode, s, variant, Restart, s == 0 ? obs : [obs[0] + s, obs[1]], [action, -action], [obs[0] + s + 1, obs[1]],
                rewardPerStep, last && falls ? 1 : 0, last && falls, false, last && !falls);
        }
    }

    [Fact]
    public void Demonstrations_keep_per_restart_state_the_saved_restart_with_the_highest_return()
    {
        var b = new TransitionBatch(2, 2);
        // Logged rows are not demonstrations, whatever their outcome.
        b.Add(0, 0, "v", "recipe", [9f, 9f], [0.9f, 0.9f], [9f, 9f], 0, 0, false, false, false);
        // State A: one restart falls, two are saved (returns 3 x 1 and 3 x 2): the second saved one is kept.
        AddRestart(b, 10, [1f, 2f], 0.1f, 3, falls: true, rewardPerStep: 5f);
        AddRestart(b, 11, [1f, 2f], 0.2f, 3, falls: false, rewardPerStep: 1f);
        AddRestart(b, 12, [1f, 2f], 0.3f, 3, falls: false, rewardPerStep: 2f);
        // State B: every restart falls, so it gives no demonstration.
        AddRestart(b, 13, [4f, 5f], 0.4f, 2, falls: true, rewardPerStep: 0f);
        AddRestart(b, 14, [4f, 5f], 0.5f, 1, falls: true, rewardPerStep: 0f);
        // State C, in another variant: selected only when that variant is.
        AddRestart(b, 15, [7f, 8f], -0.6f, 2, falls: false, rewardPerStep: 0f, variant: "w");

        var demos = RecoveryDemonstrations.FromRestarts(b, ["v"]);
        Assert.Equal((2, 5, 2), (demos.RestartStates, demos.Restarts, demos.SavedRestarts));
        Assert.Equal(1, demos.Count);
        Assert.Equal([1f, 2f], demos.ObsRow(0).ToArray());
        Assert.Equal([0.3f, -0.3f], demos.ActionRow(0).ToArray());

        var all = RecoveryDemonstrations.FromRestarts(b);
        Assert.Equal((3, 6, 3), (all.RestartStates, all.Restarts, all.SavedRestarts));
        Assert.Equal([-0.6f, 0.6f], all.ActionRow(1).ToArray());
    }

    [Fact]
    public void The_cloning_term_pulls_the_recovery_policy_to_the_saved_action_where_the_critic_is_flat()
    {
        var n = OnlineFixtures.NavigationNormalization();
        var critic = OnlineFixtures.ConstantCritic(0f, n); // flat in the action: the risk term gives no direction
        var b = new TransitionBatch(2, 2);
        AddRestart(b, 1, [-20f, 1f], 0.6f, 2, falls: false, rewardPerStep: 0f);
        AddRestart(b, 2, [-30f, -2f], -0.4f, 2, falls: false, rewardPerStep: 0f);
        var demos = RecoveryDemonstrations.FromRestarts(b);
        Assert.Equal(2, demos.Count);

        float[] Trained(RecoveryCloning? cloning)
        {
            var policy = RecoveryPolicy.Create(n, [16], new Xoshiro256StarStar(4));
            var update = new RecoveryPolicyUpdate(policy, critic, 8, 1e-2f, cloning);
            var rows = TaskRows.Select(b, null);
            var sampler = new ClassBalancedSampler(n, null);
            var batch = new CriticBatch(8, 2, 2);
            var random = new Xoshiro256StarStar(5);
            for (int i = 0; i < 300; i++)
            {
                sampler.Sample(rows, batch, random);
                update.Step(batch, random);
            }
            if (cloning is not null) Assert.True(update.LastCloningLoss < 1e-3f, $"cloning loss {update.LastCloningLoss}");
            else Assert.True(float.IsNaN(update.LastCloningLoss));
            var a = new float[4];
            policy.Act([-20f, 1f], a.AsSpan(0, 2));
            policy.Act([-30f, -2f], a.AsSpan(2, 2));
            return a;
        }

        float[] expected = [0.6f, -0.6f, -0.4f, 0.4f];
        var cloned = Trained(new RecoveryCloning(1f, demos));
        for (int i = 0; i < 4; i++) Assert.InRange(cloned[i], expected[i] - 0.05f, expected[i] + 0.05f);
        var riskOnly = Trained(null);
        Assert.True(Enumerable.Range(0, 4).Max(i => MathF.Abs(riskOnly[i] - expected[i])) > 0.2f, "without cloning a flat critic should not find the saved actions");
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_non_positive_or_non_finite_weight_is_a_one_line_user_error(float beta)
    {
        var error = Assert.Throws<BadInputException>(() => RecoveryCloning.CheckBeta(beta));
        Assert.StartsWith("--recovery-bc", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Cloning_with_no_saved_restart_is_a_user_error_that_says_so()
    {
        var b = new TransitionBatch(2, 2);
        AddRestart(b, 1, [0f, 0f], 0.5f, 2, falls: true, rewardPerStep: 0f);
        var error = Assert.Throws<BadInputException>(() => new RecoveryCloning(1f, RecoveryDemonstrations.FromRestarts(b)));
        Assert.Contains("0 of 1 restarts", error.Message);
    }
}

/// <summary><see cref="RecoveryProbe"/>: the recovery policy acts alone from logged near-violation states.</summary>
public class RecoveryProbeTests
{
    [Fact]
    public void The_probe_counts_the_states_a_policy_keeps_clear_for_the_horizon()
    {
        // Navigation 1's corridor is |y| < 5: from y = 4 a policy pushing up hits the wall at once,
        // one pushing down stays clear for five steps (y = 3 .. -1).
        var logged = new TransitionBatch(2, 2);
        logged.Add(0, 0, "v", "recipe", [-30f, 4f], [0f, 1f], [-30f, 5f], 0, 1, true, false, false);
        var n = OnlineFixtures.NavigationNormalization();
        RecoveryProbeResult Probe(float squashed) => RecoveryProbe.Run(OnlineFixtures.Environment(), logged, [0],
            OnlineFixtures.FixedRecovery(n, squashed), 5, new Xoshiro256StarStar(1));

        var up = Probe(0.999f);
        var down = Probe(-0.999f);
        Assert.Equal((1, 5, 0), (up.States, up.Horizon, up.PolicyKept));
        Assert.Equal(1, down.PolicyKept);
        Assert.Equal(up.RandomKept, down.RandomKept); // the random held action is the policy's reference, the same draw for both
        // The first action's size on the [-1, 1] box: 0.999 is saturated, 0.5 is not.
        Assert.Equal((0.999, 1.0), (Math.Round(up.MeanAbsAction, 4), up.SaturatedFraction));
        var half = Probe(0.5f);
        Assert.Equal((0.5, 0.0), (Math.Round(half.MeanAbsAction, 4), half.SaturatedFraction));
    }
}
