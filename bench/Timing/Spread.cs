using System.Globalization;
using System.Text.Json.Nodes;

namespace OfflineSafety.Bench.Timing;

/// <summary>Median and range of one figure over the rounds of a run, in the unit of the figure.</summary>
public sealed record Spread(double Median, double Min, double Max)
{
    public static Spread Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("a spread needs at least one value", nameof(values));
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Spread(median, sorted[0], sorted[^1]);
    }

    /// <summary>(max - min) / median: how far apart the rounds were. A change smaller than this is not shown by the run.</summary>
    public double RelativeSpread => Median > 0 ? (Max - Min) / Median : 0;

    public JsonObject ToJson() => new()
    {
        ["median"] = Math.Round(Median, 4), ["min"] = Math.Round(Min, 4), ["max"] = Math.Round(Max, 4),
        ["spread_pct"] = Math.Round(100 * RelativeSpread, 1),
    };

    /// <summary>"min / median / max (spread %)", as the bench tables print it: on a shared machine the
    /// fastest round is the one least disturbed, the median the typical one.</summary>
    /// <paramref name="number"/>: the format of each figure; by default about four significant digits.
    public string Format(string? number = null)
    {
        number ??= Median switch { < 10 => "F3", < 100 => "F2", < 1000 => "F1", _ => "F0" };
        return string.Create(CultureInfo.InvariantCulture,
            $"{Min.ToString(number, CultureInfo.InvariantCulture)} / {Median.ToString(number, CultureInfo.InvariantCulture)} / {Max.ToString(number, CultureInfo.InvariantCulture)} ({100 * RelativeSpread:F0}%)");
    }

    /// <summary>Anchor over ours on the minima and on the medians, "2.10x / 1.95x".</summary>
    public static string FormatRatio(Spread? anchor, Spread ours) =>
        anchor is { } a ? string.Create(CultureInfo.InvariantCulture, $"{a.Min / ours.Min:F2}x / {a.Median / ours.Median:F2}x") : "-";
}
