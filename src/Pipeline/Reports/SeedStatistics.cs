namespace OfflineSafety.Pipeline.Reports;

/// <summary>Mean and standard error over seeds (s.e. = sample standard deviation / sqrt(n); 0 for one seed).</summary>
public readonly record struct MeanError(double Mean, double StandardError, int Count)
{
    public static MeanError Of(IReadOnlyCollection<double> values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0) return new MeanError(double.NaN, double.NaN, 0);
        double mean = finite.Average();
        if (finite.Length == 1) return new MeanError(mean, 0, 1);
        double variance = finite.Sum(v => (v - mean) * (v - mean)) / (finite.Length - 1);
        return new MeanError(mean, Math.Sqrt(variance / finite.Length), finite.Length);
    }
}
