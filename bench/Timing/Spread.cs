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

    public JsonObject ToJson() => new() { ["median"] = Math.Round(Median, 4), ["min"] = Math.Round(Min, 4), ["max"] = Math.Round(Max, 4) };

    /// <summary>"median (min-max)", as the bench tables print it.</summary>
    public string Format(string number = "F3") => $"{Median.ToString(number)} ({Min.ToString(number)}-{Max.ToString(number)})";
}
