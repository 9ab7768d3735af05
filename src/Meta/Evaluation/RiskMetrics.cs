namespace OfflineSafety.Meta.Evaluation;

/// <summary>One decile of a calibration table: rows whose predicted risk falls in [Lower, Upper).</summary>
public sealed record CalibrationBin(double Lower, double Upper, int Count, double MeanPredicted, double MeanRealised, double EventRate);

/// <summary>
/// Scores of a risk prediction against what happened in the logs. Pure functions over spans so
/// they can be checked by hand and reused by any critic.
/// </summary>
public static class RiskMetrics
{
    /// <summary>
    /// Area under the ROC curve: the probability that a random positive row scores above a random
    /// negative one, ties counting one half (Mann-Whitney U with mid-ranks). NaN when one class is absent,
    /// because the quantity is undefined rather than 0.5.
    /// </summary>
    public static double RocAuc(ReadOnlySpan<float> score, ReadOnlySpan<bool> positive)
    {
        if (score.Length != positive.Length) throw new ArgumentException($"score has {score.Length} rows, labels {positive.Length}");
        int n = score.Length;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var keys = score.ToArray();
        Array.Sort(keys, order);

        long positives = 0;
        double positiveRankSum = 0;
        int start = 0;
        while (start < n)
        {
            int end = start;
            while (end + 1 < n && keys[end + 1] == keys[start]) end++;
            // Ranks are 1-based; a tie group shares the mean of the ranks it spans.
            double midRank = (start + end) / 2.0 + 1.0;
            for (int k = start; k <= end; k++)
                if (positive[order[k]]) { positives++; positiveRankSum += midRank; }
            start = end + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        double u = positiveRankSum - positives * (positives + 1) / 2.0;
        return u / ((double)positives * negatives);
    }

    /// <summary>Mean squared difference between predicted risk and the realised target.</summary>
    public static double Brier(ReadOnlySpan<float> predicted, ReadOnlySpan<float> realised)
    {
        if (predicted.Length != realised.Length) throw new ArgumentException($"predicted has {predicted.Length} rows, realised {realised.Length}");
        if (predicted.Length == 0) return double.NaN;
        double sum = 0;
        for (int i = 0; i < predicted.Length; i++)
        {
            double d = predicted[i] - realised[i];
            sum += d * d;
        }
        return sum / predicted.Length;
    }

    /// <summary>
    /// Ten equal-width bins over [0, 1] (the last one closed). For each: how many rows, the mean
    /// prediction, the mean realised discounted violation and the rate of the binary event.
    /// </summary>
    public static IReadOnlyList<CalibrationBin> CalibrationDeciles(ReadOnlySpan<float> predicted, ReadOnlySpan<float> realised, ReadOnlySpan<bool> eventOccurred)
    {
        const int bins = 10;
        var count = new int[bins];
        var sumPredicted = new double[bins];
        var sumRealised = new double[bins];
        var events = new int[bins];
        for (int i = 0; i < predicted.Length; i++)
        {
            int b = Math.Clamp((int)(predicted[i] * bins), 0, bins - 1);
            count[b]++;
            sumPredicted[b] += predicted[i];
            sumRealised[b] += realised[i];
            if (eventOccurred[i]) events[b]++;
        }
        var table = new CalibrationBin[bins];
        for (int b = 0; b < bins; b++)
        {
            double n = count[b];
            table[b] = new CalibrationBin(b / (double)bins, (b + 1) / (double)bins, count[b],
                n > 0 ? sumPredicted[b] / n : double.NaN, n > 0 ? sumRealised[b] / n : double.NaN, n > 0 ? events[b] / n : double.NaN);
        }
        return table;
    }
}
