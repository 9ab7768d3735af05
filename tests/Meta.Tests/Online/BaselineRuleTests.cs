using OfflineSafety.Meta.Online;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Online;

public class BaselineRuleTests
{
    [Fact]
    public void Sqrl_falls_back_to_the_least_risky_sample_when_none_is_safe_enough()
    {
        float[] risk = [0.9f, 0.4f, 0.7f, 0.5f];
        float[] logProb = [0f, -3f, 1f, 2f];
        var (index, fellBack) = SqrlFilter.Select(risk, logProb, 0.3f, new Xoshiro256StarStar(1));
        Assert.True(fellBack);
        Assert.Equal(1, index);
    }

    [Fact]
    public void Sqrl_samples_only_survivors_in_proportion_to_pi()
    {
        float[] risk = [0.05f, 0.9f, 0.05f, 0.2f];
        float[] logProb = [MathF.Log(0.75f), 5f, MathF.Log(0.25f), 3f];   // index 1 is likeliest but unsafe; 3 is above eps 0.1
        var random = new Xoshiro256StarStar(7);
        var counts = new int[4];
        for (int i = 0; i < 8000; i++)
        {
            var (index, fellBack) = SqrlFilter.Select(risk, logProb, 0.1f, random);
            Assert.False(fellBack);
            counts[index]++;
        }
        Assert.Equal(0, counts[1]);
        Assert.Equal(0, counts[3]);
        Assert.InRange(counts[0] / 8000.0, 0.72, 0.78);
    }

    [Fact]
    public void Lagrange_multiplier_rises_while_risk_exceeds_eps_and_falls_below_it()
    {
        var up = new LagrangeMultiplier(100f, 0.3f, 1e-2f);
        for (int i = 0; i < 10; i++) up.Update(0.8f);
        Assert.True(up.Value > 100f, $"lambda {up.Value} should rise above 100 when Q_risk 0.8 > eps 0.3");

        var down = new LagrangeMultiplier(100f, 0.3f, 1e-2f);
        for (int i = 0; i < 10; i++) down.Update(0.1f);
        Assert.True(down.Value < 100f, $"lambda {down.Value} should fall below 100 when Q_risk 0.1 < eps 0.3");
    }

    [Fact]
    public void Rspo_lambda_falls_linearly_from_twice_the_lr_lambda()
    {
        var n = OnlineFixtures.NavigationNormalization();
        var options = OnlineFixtures.Options(OnlineAlgorithm.Rspo, 1) is var o ? o with { Safety = o.Safety with { LagrangeLambda = 50f } } : null!;
        var runner = new OnlineRunner(OnlineFixtures.Environment(), new OnlineStart(OnlineFixtures.ConstantCritic(0f, n), null, null), options);
        Assert.Equal(100f, runner.Lambda);
        var result = runner.Run();
        float expected = 100f * (1f - result.Steps / 100f);   // one episode of a 100-step horizon
        Assert.Equal(expected, runner.Lambda, 3);
    }

    [Fact]
    public void Balanced_sampling_draws_the_asked_share_of_violations_and_forgets_overwritten_ones()
    {
        var buffer = new ReplayBuffer(10, 1, 1);
        for (int i = 0; i < 10; i++) buffer.Add([i], [0], 0, i == 3 ? 1 : 0, i == 3, i == 3, [i]);
        Assert.Equal(1, buffer.UnsafeCount);
        var rows = new int[10];
        buffer.SampleBalancedRows(rows, 0.3, new Xoshiro256StarStar(3));
        Assert.Equal([3, 3, 3], rows[..3]);

        // Ten more safe rows overwrite the ring, including the unsafe row 3.
        for (int i = 0; i < 10; i++) buffer.Add([100 + i], [0], 0, 0, false, false, [0]);
        Assert.Equal(0, buffer.UnsafeCount);
        Assert.Equal(10, buffer.Count);
        Assert.Equal(103f, buffer.ObsRow(3)[0]);
    }
}
