using OfflineSafety.Meta.Evaluation;

namespace OfflineSafety.Meta.Tests.Evaluation;

public class RiskMetricsTests
{
    [Fact]
    public void Auc_counts_ordered_pairs_and_half_ties()
    {
        // Positives 0.9, 0.4; negatives 0.4, 0.1, 0.3. Pairs: (0.9 beats all 3) + (0.4: tie with 0.4 = 0.5, beats 0.1, 0.3) = 3 + 2.5 = 5.5 of 6.
        float[] score = [0.9f, 0.4f, 0.4f, 0.1f, 0.3f];
        bool[] positive = [true, true, false, false, false];
        Assert.Equal(5.5 / 6, RiskMetrics.RocAuc(score, positive), 12);
    }

    [Fact]
    public void Auc_is_one_for_perfect_ranking_zero_for_reversed_and_nan_for_one_class()
    {
        Assert.Equal(1.0, RiskMetrics.RocAuc([0.1f, 0.2f, 0.8f], [false, false, true]));
        Assert.Equal(0.0, RiskMetrics.RocAuc([0.9f, 0.2f, 0.1f], [false, false, true]));
        Assert.True(double.IsNaN(RiskMetrics.RocAuc([0.9f, 0.2f], [false, false])));
    }

    [Fact]
    public void Brier_is_the_mean_squared_error()
    {
        // (0.5-1)^2 + (0.2-0)^2 + (0.64-0.8)^2 = 0.25 + 0.04 + 0.0256 = 0.3156; / 3
        Assert.Equal(0.3156 / 3, RiskMetrics.Brier([0.5f, 0.2f, 0.64f], [1f, 0f, 0.8f]), 6);
    }

    [Fact]
    public void Calibration_deciles_put_rows_in_their_bins()
    {
        var table = RiskMetrics.CalibrationDeciles([0.05f, 0.07f, 0.95f, 1.0f], [0f, 1f, 1f, 0.5f], [false, true, true, false]);
        Assert.Equal(10, table.Count);
        Assert.Equal(2, table[0].Count);
        Assert.Equal(0.06, table[0].MeanPredicted, 6);
        Assert.Equal(0.5, table[0].MeanRealised, 6);
        Assert.Equal(0.5, table[0].EventRate, 6);
        Assert.Equal(2, table[9].Count); // 1.0 falls in the closed last bin
        Assert.Equal(0.75, table[9].MeanRealised, 6);
        Assert.Equal(0, table[5].Count);
    }
}
