using OfflineSafety.Envs;
using OfflineSafety.Envs.CartPole;
using OfflineSafety.Envs.Variants;

namespace OfflineSafety.Envs.Tests;

public class CartPoleTests
{
    /// <summary>
    /// An independent reference: the cart-pole's Lagrangian equations in mass-matrix form
    /// (uniform rod, moment of inertia m L^2 / 12 about its centre), solved as a 2x2 linear
    /// system and integrated with a fine fixed-step RK4 in float64.
    /// </summary>
    private static double[] Reference(double length, double[] start, double[] forces, double stepSeconds, double h)
    {
        const double cart = 1.0, pole = 0.1, g = 9.8;
        double l = length / 2, inertia = pole * length * length / 12;
        void Deriv(double[] s, double f, double[] d)
        {
            double th = s[1], w = s[3], c = Math.Cos(th), sn = Math.Sin(th);
            // [M+m, m l c; m l c, m l^2 + I] [xdd; thdd] = [f + m l sn w^2; m g l sn]
            double a11 = cart + pole, a12 = pole * l * c, a22 = pole * l * l + inertia;
            double b1 = f + pole * l * sn * w * w, b2 = pole * g * l * sn;
            double det = a11 * a22 - a12 * a12;
            d[0] = s[2];
            d[1] = s[3];
            d[2] = (b1 * a22 - a12 * b2) / det;
            d[3] = (a11 * b2 - a12 * b1) / det;
        }
        var state = (double[])start.Clone();
        var trajectory = new List<double>();
        double[] k1 = new double[4], k2 = new double[4], k3 = new double[4], k4 = new double[4], tmp = new double[4];
        int sub = (int)Math.Round(stepSeconds / h);
        foreach (double f in forces)
        {
            for (int i = 0; i < sub; i++)
            {
                Deriv(state, f, k1);
                for (int j = 0; j < 4; j++) tmp[j] = state[j] + 0.5 * h * k1[j];
                Deriv(tmp, f, k2);
                for (int j = 0; j < 4; j++) tmp[j] = state[j] + 0.5 * h * k2[j];
                Deriv(tmp, f, k3);
                for (int j = 0; j < 4; j++) tmp[j] = state[j] + h * k3[j];
                Deriv(tmp, f, k4);
                for (int j = 0; j < 4; j++) state[j] += h / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
            }
            trajectory.AddRange(state);
        }
        return trajectory.ToArray();
    }

    [Theory]
    [InlineData(0.4)]
    [InlineData(0.8)]
    [InlineData(1.0)]
    public void Trajectory_matches_a_fine_step_reference(double length)
    {
        var p = CartPoleParameters.Default;
        // Collection mode, so the comparison continues if the short pole falls within the window.
        var env = new CartPoleLength(new PoleLengthVariant(length), seed: 0, new EnvironmentOptions(ViolationEndsEpisode: false));
        double[] start = [0.1, 0.05, -0.2, 0.1];
        env.ResetTo(start.Select(v => (float)v).ToArray());
        var actions = Enumerable.Range(0, 20).Select(i => (float)Math.Sin(0.7 * i)).ToArray();
        var reference = Reference(length, start, actions.Select(a => a * p.MaxForce).ToArray(), p.StepSeconds, 0.0005);
        for (int t = 0; t < actions.Length; t++)
        {
            var obs = env.Step([actions[t]]).Observation;
            for (int j = 0; j < 4; j++)
                Assert.True(Math.Abs(obs[j] - reference[4 * t + j]) < 1e-4,
                    $"L={length} step {t + 1} component {j}: env {obs[j]} vs reference {reference[4 * t + j]}");
        }
    }

    [Fact]
    public void Upright_at_rest_stays_there_and_succeeds_at_the_horizon()
    {
        var env = new CartPoleLength(new PoleLengthVariant(0.6), seed: 0);
        env.ResetTo([0f, 0f, 0f, 0f]);
        for (int t = 1; t < 200; t++)
        {
            var r = env.Step([0f]);
            Assert.Equal(1f, r.Reward);
            Assert.False(r.Terminal || r.Truncated || r.Info.Success);
        }
        var last = env.Step([0f]);
        Assert.True(last.Truncated);
        Assert.False(last.Terminal);
        Assert.True(last.Info.Success);   // return 200 > 160
    }

    [Fact]
    public void A_fallen_pole_is_a_terminal_violation()
    {
        var env = new CartPoleLength(new PoleLengthVariant(0.6), seed: 0);
        env.ResetTo([0f, 1.6f, 0f, 0f]);   // just past horizontal
        var r = env.Step([0f]);
        Assert.True(r.Unsafe);
        Assert.Equal(1f, r.Cost);
        Assert.True(r.Terminal);
        Assert.False(r.Info.Success);
    }

    [Fact]
    public void Leaning_below_horizontal_is_the_boundary()
    {
        var env = new CartPoleLength(new PoleLengthVariant(0.6), seed: 0);
        env.ResetTo([0f, 1.5f, 0f, 0f]);   // above horizontal and falling: safe for one step
        Assert.False(env.Step([0f]).Unsafe);
    }

    [Fact]
    public void A_full_turn_is_judged_by_the_wrapped_angle()
    {
        var env = new CartPoleLength(new PoleLengthVariant(0.6), seed: 0);
        env.ResetTo([0f, (float)(2 * Math.PI), 0f, 0f]);
        Assert.False(env.Step([0f]).Unsafe);
    }

    [Fact]
    public void Leaving_the_rail_is_a_violation()
    {
        var env = new CartPoleLength(new PoleLengthVariant(0.6), seed: 0);
        env.ResetTo([2.35f, 0f, 2f, 0f]);
        var r = env.Step([1f]);
        Assert.True(r.Observation[0] >= 2.4f);
        Assert.True(r.Unsafe);
        Assert.True(r.Terminal);
    }

    [Fact]
    public void Force_is_clipped_to_the_unit_interval()
    {
        var clipped = new CartPoleLength(new PoleLengthVariant(0.6), seed: 0);
        var bounded = new CartPoleLength(new PoleLengthVariant(0.6), seed: 0);
        clipped.ResetTo([0f, 0f, 0f, 0f]);
        bounded.ResetTo([0f, 0f, 0f, 0f]);
        var a = clipped.Step([25f]);
        Assert.True(a.Info.ActionClipped);
        Assert.Equal(a.Observation.ToArray(), bounded.Step([1f]).Observation.ToArray());
    }

    [Fact]
    public void Reward_is_the_tip_distance_kernel()
    {
        Assert.Equal(1.0, CartPoleLength.TipReward(0.7, 0, 0), 12);
        Assert.Equal(Math.Exp(-2), CartPoleLength.TipReward(0.7, 0, Math.PI / 2), 12);
        Assert.Equal(Math.Exp(-0.25), CartPoleLength.TipReward(1.0, 0.5, 0), 12);
    }

    [Fact]
    public void Collection_mode_continues_through_violations_until_the_horizon()
    {
        var env = new CartPoleLength(new PoleLengthVariant(0.5), seed: 4, new EnvironmentOptions(ViolationEndsEpisode: false));
        env.ResetTo([0f, 1.7f, 0f, 0f]);
        int steps = 0, unsafeSteps = 0;
        bool ended = false;
        while (!ended)
        {
            var r = env.Step([0f]);
            steps++;
            if (r.Unsafe) unsafeSteps++;
            Assert.False(r.Terminal);
            ended = r.Truncated;
        }
        Assert.Equal(200, steps);
        Assert.True(unsafeSteps > 0);
    }
}
