using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Distributions;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Nn.Tests.Autodiff;

namespace OfflineSafety.Nn.Tests.Distributions;

public class GaussianPolicyTests
{
    [Fact]
    public void TanhSampleAndLogProbMatchClosedForm()
    {
        var tape = new Tape();
        // Two actions per row: head = [mu0, mu1 | logstd0, logstd1]; the second log-std is clamped to 2.
        var head = tape.Constant([0.3f, -0.2f, -0.5f, 5f], 1, 4);
        var sample = GaussianPolicy.SampleTanh(tape, head, new Xoshiro256StarStar(3));
        var noise = new float[2];
        new Xoshiro256StarStar(3).FillNormal(noise);
        double logp = 0;
        double[] mu = [0.3, -0.2], logStd = [-0.5, 2.0];
        for (int j = 0; j < 2; j++)
        {
            double u = mu[j] + Math.Exp(logStd[j]) * noise[j];
            Assert.Equal(Math.Tanh(u), sample.Action[j], 5);
            logp += -0.5 * noise[j] * noise[j] - logStd[j] - 0.5 * Math.Log(2 * Math.PI) - Math.Log(1 - Math.Tanh(u) * Math.Tanh(u));
        }
        Assert.Equal([1, 1], sample.LogProb.Shape);
        Assert.Equal(logp, sample.LogProb[0], 3);
    }

    [Fact]
    public void DiagonalLogProbMatchesClosedForm()
    {
        var tape = new Tape();
        var lp = GaussianPolicy.DiagonalLogProb(tape, tape.Constant([0f, 1f], 1, 2), tape.Constant([0f, MathF.Log(0.5f)], 1, 2), tape.Constant([1f, 1f], 1, 2));
        double expected = (-0.5 - 0.5 * Math.Log(2 * Math.PI)) + (-Math.Log(0.5) - 0.5 * Math.Log(2 * Math.PI));
        Assert.Equal(expected, lp[0], 5);
    }

    [Fact]
    public void ReparameterisedSamplesCarryGradients()
    {
        // Same noise on every evaluation (fresh generator), so the sample is a smooth function of the head.
        GradCheck.Run((t, x) =>
        {
            var s = GaussianPolicy.SampleTanh(t, x[0], new Xoshiro256StarStar(4));
            return t.Concat(s.Action, s.LogProb);
        }, [GradCheck.Uniform(3, 4, -1, 1, 5)]);
        GradCheck.Run((t, x) =>
        {
            var s = GaussianPolicy.SampleDiagonal(t, x[0], new Xoshiro256StarStar(4));
            return t.Concat(s.Action, s.LogProb);
        }, [GradCheck.Uniform(3, 4, -1, 1, 6)]);
    }

    [Fact]
    public void SampleStatisticsFollowTheDistribution()
    {
        var tape = new Tape();
        int n = 20_000;
        var head = tape.Full(n, 2, 0f);
        for (int r = 0; r < n; r++) { head[r, 0] = 0.5f; head[r, 1] = MathF.Log(0.3f); }
        var s = GaussianPolicy.SampleDiagonal(tape, head, new Xoshiro256StarStar(8));
        var a = s.Action.Data.ToArray();
        double mean = a.Average(v => (double)v);
        double std = Math.Sqrt(a.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, 0.49, 0.51);
        Assert.InRange(std, 0.29, 0.31);
        Assert.Equal(0.5f, GaussianPolicy.TanhMode(tape, head)[0] is var m ? MathF.Atanh(m) : 0, 5);
    }

    [Fact]
    public void OddHeadWidthIsRejected()
    {
        var tape = new Tape();
        Assert.Throws<ArgumentException>(() => GaussianPolicy.Split(tape, tape.Full(2, 3, 0f)));
    }
}
