using System.Buffers;
using System.Globalization;
using System.Text.Json;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// Per-file statistics recorded in `add` actions: Delta's standard stats JSON (numRecords,
/// minValues, maxValues, nullCount) and two tags this store adds (unsafe rows, episodes) so that
/// show and diff can count without opening data files.
/// </summary>
public static class TransitionFileStats
{
    public const string UnsafeRowsTag = "offsafe.unsafeRows";
    public const string EpisodesTag = "offsafe.episodes";

    // Delta truncates string statistics to a prefix; rather than compute a safe upper bound for a
    // truncated max, longer strings simply get no min/max.
    private const int MaxStatString = 32;

    /// <summary>
    /// The stats of a partition file. Like Delta's reference writers we record statistics only for
    /// the columns stored in the file: variant, the partition column, is in partitionValues.
    /// </summary>
    public static string StatsJson(TransitionBatch b) => StatsJson(b, withVariant: false);

    /// <summary>The stats as tables written before partition files left out variant recorded them.</summary>
    public static string LegacyStatsJson(TransitionBatch b) => StatsJson(b, withVariant: true);

    private static string StatsJson(TransitionBatch b, bool withVariant)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, DeltaJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("numRecords", b.Count);
            if (b.Count > 0)
            {
                for (int pass = 0; pass < 2; pass++)
                {
                    bool max = pass == 1;
                    w.WriteStartObject(max ? "maxValues" : "minValues");
                    w.WriteNumber(TransitionColumns.EpisodeId, max ? Max(b.EpisodeId) : Min(b.EpisodeId));
                    w.WriteNumber(TransitionColumns.Step, max ? Max(b.Step) : Min(b.Step));
                    if (withVariant) WriteStringBound(w, TransitionColumns.Variant, b.Variant, max);
                    WriteStringBound(w, TransitionColumns.Source, b.Source, max);
                    WriteFloatBound(w, TransitionColumns.Reward, b.Reward, max);
                    WriteFloatBound(w, TransitionColumns.Cost, b.Cost, max);
                    w.WriteEndObject();
                }
            }
            w.WriteStartObject("nullCount");
            foreach (var column in TransitionColumns.All)
                if (withVariant || column != TransitionColumns.Variant) w.WriteNumber(column, 0);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static Dictionary<string, string> Tags(TransitionBatch b)
    {
        int unsafeRows = 0;
        foreach (bool u in b.Unsafe) if (u) unsafeRows++;
        var episodes = new HashSet<(string, long)>();
        for (int i = 0; i < b.Count; i++) episodes.Add((b.Source[i], b.EpisodeId[i]));
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [UnsafeRowsTag] = unsafeRows.ToString(CultureInfo.InvariantCulture),
            [EpisodesTag] = episodes.Count.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>numRecords from the file's stats, or null when the writer recorded none.</summary>
    public static long? NumRecords(AddFile file)
    {
        if (file.Stats is null) return null;
        using var doc = JsonDocument.Parse(file.Stats);
        return doc.RootElement.TryGetProperty("numRecords", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt64() : null;
    }

    public static long? UnsafeRows(AddFile file) =>
        file.Tags is not null && file.Tags.TryGetValue(UnsafeRowsTag, out var s) && long.TryParse(s, CultureInfo.InvariantCulture, out long n) ? n : null;

    /// <summary>The min and max of a scalar column from the stats, when recorded.</summary>
    public static (JsonElement Min, JsonElement Max)? Bounds(AddFile file, string column)
    {
        if (file.Stats is null) return null;
        using var doc = JsonDocument.Parse(file.Stats);
        var root = doc.RootElement;
        if (root.TryGetProperty("minValues", out var min) && min.TryGetProperty(column, out var lo)
            && root.TryGetProperty("maxValues", out var max) && max.TryGetProperty(column, out var hi))
            return (lo.Clone(), hi.Clone());
        return null;
    }

    private static long Min(ReadOnlySpan<long> v) { long m = v[0]; foreach (var x in v) if (x < m) m = x; return m; }
    private static long Max(ReadOnlySpan<long> v) { long m = v[0]; foreach (var x in v) if (x > m) m = x; return m; }
    private static int Min(ReadOnlySpan<int> v) { int m = v[0]; foreach (var x in v) if (x < m) m = x; return m; }
    private static int Max(ReadOnlySpan<int> v) { int m = v[0]; foreach (var x in v) if (x > m) m = x; return m; }

    private static void WriteFloatBound(Utf8JsonWriter w, string name, ReadOnlySpan<float> v, bool max)
    {
        // NaN has no JSON form and no order; bounds cover the non-NaN values only.
        float best = float.NaN;
        foreach (float x in v)
        {
            if (float.IsNaN(x)) continue;
            if (float.IsNaN(best) || (max ? x > best : x < best)) best = x;
        }
        if (!float.IsNaN(best) && float.IsFinite(best)) w.WriteNumber(name, best);
    }

    private static void WriteStringBound(Utf8JsonWriter w, string name, ReadOnlySpan<string> v, bool max)
    {
        string best = v[0];
        foreach (var s in v)
        {
            if (s.Length > MaxStatString) return;
            int c = string.CompareOrdinal(s, best);
            if (max ? c > 0 : c < 0) best = s;
        }
        w.WriteString(name, best);
    }
}
