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
    public static string StatsJson(TransitionBatch b) => new Accumulator().Add(b).StatsJson(withVariant: false);

    /// <summary>The stats as tables written before partition files left out variant recorded them.</summary>
    public static string LegacyStatsJson(TransitionBatch b) => new Accumulator().Add(b).StatsJson(withVariant: true);

    public static Dictionary<string, string> Tags(TransitionBatch b) => new Accumulator().Add(b).Tags();

    /// <summary>
    /// A file's stats and tags gathered batch by batch, for a file written while its rows still
    /// arrive; the same JSON as over the whole file at once (`datasets check` compares them byte for byte).
    /// </summary>
    public sealed class Accumulator
    {
        private readonly HashSet<(string, long)> _episodes = [];
        private long _rows, _unsafe;
        private long _minEpisode = long.MaxValue, _maxEpisode = long.MinValue;
        private int _minStep = int.MaxValue, _maxStep = int.MinValue;
        private StringBound _variant, _source;
        private FloatBound _reward, _cost;

        public long Rows => _rows;

        public Accumulator Add(TransitionBatch b)
        {
            foreach (long e in b.EpisodeId) { _minEpisode = Math.Min(_minEpisode, e); _maxEpisode = Math.Max(_maxEpisode, e); }
            foreach (int s in b.Step) { _minStep = Math.Min(_minStep, s); _maxStep = Math.Max(_maxStep, s); }
            _variant.Add(b.Variant);
            _source.Add(b.Source);
            _reward.Add(b.Reward);
            _cost.Add(b.Cost);
            foreach (bool u in b.Unsafe) if (u) _unsafe++;
            for (int i = 0; i < b.Count; i++) _episodes.Add((b.Source[i], b.EpisodeId[i]));
            _rows += b.Count;
            return this;
        }

        public string StatsJson(bool withVariant)
        {
            var buffer = new ArrayBufferWriter<byte>(512);
            using (var w = new Utf8JsonWriter(buffer, DeltaJson.WriterOptions))
            {
                w.WriteStartObject();
                w.WriteNumber("numRecords", _rows);
                if (_rows > 0)
                {
                    for (int pass = 0; pass < 2; pass++)
                    {
                        bool max = pass == 1;
                        w.WriteStartObject(max ? "maxValues" : "minValues");
                        w.WriteNumber(TransitionColumns.EpisodeId, max ? _maxEpisode : _minEpisode);
                        w.WriteNumber(TransitionColumns.Step, max ? _maxStep : _minStep);
                        if (withVariant) _variant.Write(w, TransitionColumns.Variant, max);
                        _source.Write(w, TransitionColumns.Source, max);
                        _reward.Write(w, TransitionColumns.Reward, max);
                        _cost.Write(w, TransitionColumns.Cost, max);
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

        public Dictionary<string, string> Tags() => new(StringComparer.Ordinal)
        {
            [UnsafeRowsTag] = _unsafe.ToString(CultureInfo.InvariantCulture),
            [EpisodesTag] = _episodes.Count.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Ordinal min and max of a string column; none at all once any value is too long to record.</summary>
    private struct StringBound
    {
        private string? _min, _max;
        private bool _tooLong;

        public void Add(ReadOnlySpan<string> values)
        {
            foreach (var s in values)
            {
                if (_tooLong) return;
                if (s.Length > MaxStatString) { _tooLong = true; return; }
                if (_min is null || string.CompareOrdinal(s, _min) < 0) _min = s;
                if (_max is null || string.CompareOrdinal(s, _max) > 0) _max = s;
            }
        }

        public readonly void Write(Utf8JsonWriter w, string name, bool max)
        {
            if (!_tooLong && (max ? _max : _min) is { } bound) w.WriteString(name, bound);
        }
    }

    /// <summary>
    /// Min and max of a float column over its non-NaN values (NaN has no JSON form and no order);
    /// an infinite bound is left out.
    /// </summary>
    private struct FloatBound
    {
        private float _min, _max;
        private bool _any;

        public void Add(ReadOnlySpan<float> values)
        {
            foreach (float x in values)
            {
                if (float.IsNaN(x)) continue;
                if (!_any) { _min = _max = x; _any = true; continue; }
                if (x < _min) _min = x;
                if (x > _max) _max = x;
            }
        }

        public readonly void Write(Utf8JsonWriter w, string name, bool max)
        {
            float bound = max ? _max : _min;
            if (_any && float.IsFinite(bound)) w.WriteNumber(name, bound);
        }
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
}
