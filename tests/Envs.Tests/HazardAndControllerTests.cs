using OfflineSafety.Envs.CartPole;
using OfflineSafety.Envs.Controllers;
using OfflineSafety.Envs.Transfer;
using OfflineSafety.Envs.Variants;

namespace OfflineSafety.Envs.Tests;

public class HazardAndControllerTests
{
    [Fact]
    public void A_step_in_the_hazard_zone_costs_but_does_not_end_the_episode()
    {
        var env = new CartPoleLength(new PoleLengthVariant(0.6), 1, parameters: CartPoleParameters.Default with { HazardLimit = 0.2 });
        env.ResetTo([0.5f, 0f, 0f, 0f]);
        var step = env.Step([0f]);
        Assert.True(step.Unsafe);
        Assert.Equal(1f, step.Cost);
        Assert.False(step.Terminal);
        env.ResetTo([0.1f, 0f, 0f, 0f]);
        Assert.Equal(0f, env.Step([0f]).Cost);
    }

    [Fact]
    public void The_pd_law_balances_but_drifts_into_the_tight_hazard()
    {
        var env = StakesPairs.Get("cartpole-hazard").CreateHighStakes(11);
        var controller = new CartPolePdController();
        var obs = new float[4];
        var action = new float[1];
        double cost = 0;
        int steps = 0;
        for (int e = 0; e < 5; e++)
        {
            env.Reset().CopyTo(obs);
            while (true)
            {
                controller.Act(obs, action);
                var r = env.Step(action);
                cost += r.Cost;
                steps++;
                if (r.Terminal || r.Truncated) break;
                r.Observation.CopyTo(obs);
            }
        }
        Assert.Equal(5 * 200, steps);            // never drops the pole
        Assert.InRange(cost / steps, 0.05, 0.5); // but spends more than 5% of its steps in the hazard
    }

    [Fact]
    public void The_soft_box_low_stakes_variant_costs_in_the_box_without_ending_the_episode()
    {
        var pair = StakesPairs.Get("navigation-soft-box");
        var low = pair.CreateLowStakes(5);
        low.Reset();
        low.ResetTo([-25f, 0f]);
        var step = low.Step([0f, 0f]);
        Assert.True(step.Unsafe);
        Assert.Equal(1f, step.Cost);
        Assert.False(step.Terminal);
        Assert.False(step.Truncated);
        Assert.True(low.Step([0f, 0f]).Unsafe); // still inside, still costing, still going

        var high = pair.CreateHighStakes(5);
        high.Reset();
        high.ResetTo([-25f, 0f]);
        var end = high.Step([0f, 0f]);
        Assert.True(end.Unsafe);
        Assert.True(end.Terminal);
    }
}
