using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Evaluation;

namespace OfflineSafety.Meta.Tests.Evaluation;

public class CriticEvaluationTests
{
    // Risk depends only on the position: 1 at x >= 3 (the wall), gamma^(3-x) before it.
    private sealed class WallDistanceScorer(float gamma) : IRiskScorer
    {
        public int ObsDim => 1;
        public int ActDim => 1;
        public Normalization Normalization { get; } = Normalization.Identity(1, 1);

        public void Score(ReadOnlySpan<float> obs, ReadOnlySpan<float> action, int rows, Span<float> risk)
        {
            for (int i = 0; i < rows; i++) risk[i] = MathF.Pow(gamma, MathF.Max(0, 2 - obs[i]));
        }
    }

    [Fact]
    public void A_critic_that_knows_the_future_scores_auc_one_and_brier_zero()
    {
        // Walks x = 0,1,2 -> violation on entering x = 3; and a safe walk far away that ends by time limit.
        var b = new TransitionBatch(1, 1);
        for (int s = 0; s < 3; s++) b.Add(1, s, "v", "t", [s], [1f], [s + 1], 0, s == 2 ? 1 : 0, s == 2, s == 2, false);
        for (int s = 0; s < 3; s++) b.Add(2, s, "v", "t", [-100 - s], [-1f], [-101 - s], 0, 0, false, false, s == 2);

        var report = CriticEvaluation.Evaluate(new WallDistanceScorer(0.5f), b, gammaRisk: 0.5f, horizon: 2);

        Assert.Equal(6, report.Rows);
        Assert.Equal(2, report.Positives); // x = 1 (k = 1) and x = 2 (k = 0); x = 0 is k = 2, outside H = 2
        Assert.Equal(1.0, report.Auc, 9);
        // Realised: 0.25, 0.5, 1 on the first walk; ~0 on the second (0.5^102 rounds to 0 in float).
        Assert.True(report.Brier < 1e-12, $"Brier {report.Brier}");
        Assert.Equal(6, report.Calibration.Sum(c => c.Count));
        Assert.Equal(3, report.Calibration[0].Count);
    }
}
