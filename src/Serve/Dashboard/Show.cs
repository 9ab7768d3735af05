using System.Globalization;

namespace OfflineSafety.Serve.Dashboard;

/// <summary>How the dashboard writes numbers, times and durations: invariant culture, UTC, short.</summary>
public static class Show
{
    public static string Time(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";

    public static string Fraction(long part, long whole) =>
        whole == 0 ? "0" : ((double)part / whole).ToString("0.0000", CultureInfo.InvariantCulture);

    public static string Number(double value) =>
        double.IsFinite(value) ? value.ToString("G5", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    public static string Duration(double? seconds)
    {
        if (seconds is not { } s || !double.IsFinite(s) || s < 0) return "";
        var t = TimeSpan.FromSeconds(Math.Round(s));
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}h {t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m {t.Seconds:00}s" : $"{t.Seconds}s";
    }

    public static string Bytes(long bytes) => bytes switch
    {
        < 1 << 10 => $"{bytes} B",
        < 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
    };

    /// <summary>A path segment for an href: names are store-safe already, escaping keeps that true of any text.</summary>
    public static string Segment(string text) => Uri.EscapeDataString(text);
}
