using OfflineSafety.Envs;
using OfflineSafety.Envs.Navigation;
using OfflineSafety.Envs.Variants;

namespace OfflineSafety.Envs.Tests;

public class NavigationTests
{
    private static readonly InputGainVariant UnitGains = new(1, 1);

    [Theory]
    [InlineData(0f, 5f, true)]          // corridor's upper wall, bottom edge: closed box
    [InlineData(0f, 4.999f, false)]
    [InlineData(0f, -5f, true)]
    [InlineData(0f, -4.999f, false)]
    [InlineData(-80f, 0f, true)]        // back wall's right edge
    [InlineData(-79.999f, 0f, false)]
    [InlineData(150f, 10f, true)]       // a corner belongs to the box
    [InlineData(150.001f, 7f, false)]
    public void Navigation1_obstacles_are_closed_boxes(float x, float y, bool inside) =>
        Assert.Equal(inside, NavigationLayout.Navigation1.InObstacle(x, y));

    [Theory]
    [InlineData(-30f, 0f, true)]
    [InlineData(-30.001f, 0f, false)]
    [InlineData(-20f, 7.5f, true)]
    [InlineData(-20f, 7.501f, false)]
    [InlineData(-25f, -7.5f, true)]
    [InlineData(-19.999f, -7.5f, false)]
    public void Navigation2_obstacle_is_a_closed_box(float x, float y, bool inside) =>
        Assert.Equal(inside, NavigationLayout.Navigation2.InObstacle(x, y));

    [Fact]
    public void Entering_an_obstacle_is_unsafe_and_ends_the_episode()
    {
        var env = new PointNavigation(NavigationLayout.Navigation1, UnitGains, seed: 3);
        env.ResetTo([0f, 4.5f]);
        var result = env.Step([0f, 1f]);
        Assert.True(result.Unsafe);
        Assert.Equal(1f, result.Cost);
        Assert.True(result.Terminal);
        Assert.False(result.Truncated);
        Assert.Throws<InvalidOperationException>(() => env.Step([0f, 0f]));
    }

    [Fact]
    public void Collection_mode_keeps_the_violation_label_but_not_the_termination()
    {
        var env = new PointNavigation(NavigationLayout.Navigation1, UnitGains, seed: 3, new EnvironmentOptions(ViolationEndsEpisode: false));
        env.ResetTo([0f, 4.5f]);
        var first = env.Step([0f, 1f]);
        Assert.True(first.Unsafe);
        Assert.False(first.Terminal);
        var second = env.Step([0f, 1f]);
        Assert.True(second.Unsafe);
        Assert.Equal(2, second.Info.Step);
    }

    [Fact]
    public void A_safe_step_has_zero_cost()
    {
        var env = new PointNavigation(NavigationLayout.Navigation1, UnitGains, seed: 3);
        env.ResetTo([-50f, 0f]);
        var result = env.Step([1f, 0f]);
        Assert.False(result.Unsafe);
        Assert.Equal(0f, result.Cost);
        Assert.False(result.Terminal);
    }

    [Fact]
    public void Success_is_strictly_inside_the_goal_radius_and_ends_the_episode()
    {
        var env = new PointNavigation(NavigationLayout.Navigation2, UnitGains, seed: 5);
        env.ResetTo([4.5f, 0f]);
        var inside = env.Step([-1f, 0f]);          // lands near 3.5 (noise sd 0.05)
        Assert.True(inside.Info.Success);
        Assert.True(inside.Terminal);
        Assert.False(inside.Unsafe);

        env.ResetTo([5.5f, 0f]);
        var outside = env.Step([-1f, 0f]);         // lands near 4.5
        Assert.False(outside.Info.Success);
        Assert.False(outside.Terminal);
    }

    [Fact]
    public void Reward_is_minus_the_distance_of_the_state_acted_in()
    {
        var env = new PointNavigation(NavigationLayout.Navigation2, UnitGains, seed: 5);
        env.ResetTo([-30f, 40f]);
        Assert.Equal(-50f, env.Step([1f, 1f]).Reward, 4);
    }

    [Fact]
    public void The_horizon_truncates_at_exactly_100_steps()
    {
        var env = new PointNavigation(NavigationLayout.Navigation2, UnitGains, seed: 9);
        env.ResetTo([-50f, 20f]);
        for (int t = 1; t < 100; t++)
        {
            var r = env.Step([0f, 0f]);
            Assert.False(r.Truncated || r.Terminal, $"ended early at step {t}");
        }
        var last = env.Step([0f, 0f]);
        Assert.True(last.Truncated);
        Assert.False(last.Terminal);
    }

    [Fact]
    public void Actions_are_clipped_to_the_unit_box_and_scaled_by_the_gains()
    {
        var env = new PointNavigation(NavigationLayout.Navigation2, new InputGainVariant(0.5, 1.5), seed: 2);
        env.ResetTo([-50f, 20f]);
        var result = env.Step([5f, -7f]);
        Assert.True(result.Info.ActionClipped);
        Assert.Equal(-50f + 0.5f, result.Observation[0], 0.25f);   // 5 sd of the noise
        Assert.Equal(20f - 1.5f, result.Observation[1], 0.25f);
        Assert.False(env.Step([0.5f, -0.5f]).Info.ActionClipped);
        Assert.Throws<ArgumentException>(() => env.Step([float.NaN, 0f]));
    }

    [Fact]
    public void Process_noise_has_the_specified_spread()
    {
        var env = new PointNavigation(NavigationLayout.Navigation2, UnitGains, seed: 11, new EnvironmentOptions(false));
        double sum = 0, sumSq = 0;
        int n = 0;
        for (int episode = 0; episode < 100; episode++)
        {
            env.ResetTo([-50f, 30f]);
            float prevX = -50f, prevY = 30f;
            for (int t = 0; t < 100; t++)
            {
                var r = env.Step([0f, 0f]);
                foreach (var d in new[] { r.Observation[0] - prevX, r.Observation[1] - prevY })
                {
                    sum += d;
                    sumSq += d * d;
                    n++;
                }
                prevX = r.Observation[0];
                prevY = r.Observation[1];
                if (r.Truncated) break;
            }
        }
        double mean = sum / n, std = Math.Sqrt(sumSq / n - mean * mean);
        Assert.InRange(mean, -0.003, 0.003);   // 20,000 draws: 4 standard errors
        Assert.InRange(std, 0.048, 0.052);
    }

    [Fact]
    public void Reset_with_the_same_seed_replays_the_episode()
    {
        var a = new PointNavigation(NavigationLayout.Navigation1, UnitGains, seed: 1);
        var b = new PointNavigation(NavigationLayout.Navigation1, UnitGains, seed: 2);
        Assert.Equal(a.Reset(42).ToArray(), b.Reset(42).ToArray());
        for (int t = 0; t < 20; t++)
            Assert.Equal(a.Step([0.3f, -0.1f]).Observation.ToArray(), b.Step([0.3f, -0.1f]).Observation.ToArray());
        Assert.NotEqual(a.Reset(43).ToArray(), b.Reset(44).ToArray());
    }
}
