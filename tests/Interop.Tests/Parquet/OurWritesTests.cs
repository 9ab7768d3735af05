using System.Globalization;
using System.Text;
using OfflineSafety.Interop.Tests.Peers;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Interop.Tests.Parquet;

/// <summary>We write, DuckDB reads: the values we wrote, and our statistics and encodings in its parquet_metadata().</summary>
[Collection(DuckDbCollection.Name)]
public sealed class OurWritesTests(DuckDbPeer duckDb) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    internal static readonly ParquetSchema Schema = new(
        ParquetField.Int64("id"),
        ParquetField.Int32("i32", optional: true),
        ParquetField.Int64("i64", optional: true),
        ParquetField.Int("u8", 8, isSigned: false, optional: true),
        ParquetField.Int("u32", 32, isSigned: false, optional: true),
        ParquetField.Float("f", optional: true),
        ParquetField.Double("d", optional: true),
        ParquetField.Boolean("b", optional: true),
        ParquetField.String("s", optional: true),
        ParquetField.Binary("bin", optional: true),
        ParquetField.Date("day", optional: true),
        ParquetField.Timestamp("ts", ParquetTimeUnit.Micros, isAdjustedToUtc: true, optional: true),
        ParquetField.Decimal("dec", 9, 2, optional: true),
        ParquetField.List("ints", ParquetField.Int64("element", optional: true), optional: true),
        ParquetField.List("nested", ParquetField.List("element", ParquetField.Int32("element"), optional: true), optional: true),
        ParquetField.List("tags", ParquetField.String("element")),
        ParquetField.Struct("st", true,
            ParquetField.Int32("a", optional: true), ParquetField.String("b", optional: true),
            ParquetField.Struct("inner", true, ParquetField.Double("c"))),
        ParquetField.Map("m", ParquetField.String("key"), ParquetField.Int64("value", optional: true), optional: true));

    private const int RowCount = 500;

    private static readonly float[] SpecialFloats = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, float.Epsilon, float.MaxValue, 0f];
    private static readonly string[] SpecialStrings = ["", "héllo wörld", "世界 🙂", "quote \" backslash \\", "\0nul"];

    private static object?[] Row(int i)
    {
        bool Null(int every, int at = 0) => i % every == at;
        return
        [
            (long)i,
            Null(5) ? null : i * 7919 - 1_000_000,
            Null(6, 1) ? null : (i - 250L) * 61_489_623_894_731L,
            Null(7) ? null : i % 256,
            Null(8) ? null : unchecked((int)(uint.MaxValue - (uint)i)),
            Null(9) ? null : i % 25 < SpecialFloats.Length ? SpecialFloats[i % 25] : i / 7f - 20,
            Null(10) ? null : i % 30 == 0 ? double.NaN : i % 30 == 1 ? -0.0 : i * 0.25 - 60 + (i % 3 == 0 ? 1e-300 : 0),
            Null(11) ? null : i % 3 == 0,
            Null(4) ? null : i % 20 < SpecialStrings.Length ? SpecialStrings[i % 20] : $"text-{i % 20}",
            Null(12) ? null : Encoding.UTF8.GetBytes($"b{i}").Append((byte)0xFF).ToArray(),
            Null(13) ? null : i - 200,
            Null(14) ? null : (i - 100) * 1_234_567_891L,
            Null(15) ? null : i * 101 - 25_000,
            (i % 4) switch
            {
                0 => null,
                1 => new List<object?>(),
                2 => new List<object?> { (long)i, null, (long)-i },
                _ => new List<object?> { (long)i },
            },
            i % 3 == 0 ? null : new List<object?> { new List<object?> { i, i + 1 }, null, new List<object?>() },
            new List<object?> { "t" + (i % 3), "u" + (i % 50) },
            Null(6) ? null : new Dictionary<string, object?>
            {
                ["a"] = Null(4, 1) ? null : i,
                ["b"] = "s" + i,
                ["inner"] = i % 5 == 2 ? null : new Dictionary<string, object?> { ["c"] = i / 3.0 },
            },
            Null(5, 3) ? null : new List<KeyValuePair<object, object?>>
            {
                new("k" + i, (long)i),
                new("none", null),
            },
        ];
    }

    internal static readonly List<object?[]> Rows = Enumerable.Range(0, RowCount).Select(Row).ToList();

    public static TheoryData<string> Variants() => ["defaults", "dictionary off", "gzip", "uncompressed", "brotli", "zstd", "lz4_raw", "data page v2",
        "delta encodings", "byte stream split", "small row groups", "v2 + delta + split + gzip"];

    internal static ParquetWriteOptions Options(string variant) => variant switch
    {
        "defaults" => new(),
        "dictionary off" => new() { EnableDictionary = false },
        "gzip" => new() { Compression = ParquetCompression.Gzip },
        "uncompressed" => new() { Compression = ParquetCompression.Uncompressed },
        "brotli" => new() { Compression = ParquetCompression.Brotli },
        "zstd" => new() { Compression = ParquetCompression.Zstd },
        "lz4_raw" => new() { Compression = ParquetCompression.Lz4Raw },
        "data page v2" => new() { DataPageVersion = 2 },
        "delta encodings" => new() { ColumnEncodings = DeltaEncodings },
        "byte stream split" => new() { ColumnEncodings = SplitEncodings },
        "small row groups" => new() { MaxRowGroupRows = 64 },
        "v2 + delta + split + gzip" => new()
        {
            DataPageVersion = 2,
            Compression = ParquetCompression.Gzip,
            ColumnEncodings = DeltaEncodings.Concat(SplitEncodings).ToDictionary(),
        },
        _ => throw new ArgumentException(variant),
    };

    private static readonly Dictionary<string, ParquetEncoding> DeltaEncodings = new()
    {
        ["i32"] = ParquetEncoding.DeltaBinaryPacked,
        ["i64"] = ParquetEncoding.DeltaBinaryPacked,
        ["s"] = ParquetEncoding.DeltaByteArray,
        ["bin"] = ParquetEncoding.DeltaLengthByteArray,
        ["tags"] = ParquetEncoding.DeltaLengthByteArray,
    };

    private static readonly Dictionary<string, ParquetEncoding> SplitEncodings = new()
    {
        ["f"] = ParquetEncoding.ByteStreamSplit,
        ["d"] = ParquetEncoding.ByteStreamSplit,
    };

    private string Write(string variant) => WriteVariant(_folder, variant);

    /// <summary>The rows above in one of <see cref="Variants"/>; other peers' tests read the same files.</summary>
    internal static string WriteVariant(TempFolder folder, string variant)
    {
        string path = folder.File(variant.Replace(' ', '_').Replace('+', '_') + ".parquet");
        using var writer = ParquetFileWriter.Create(path, Schema, Options(variant));
        foreach (var row in Rows) writer.WriteRow(row);
        return path;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Duckdb_reads_our_values_and_shows_our_codec_encodings_and_statistics(string variant)
    {
        string path = Write(variant);
        var options = Options(variant);

        var results = duckDb.Execute([
            DuckDbStep.Query($"SELECT * FROM '{path}'"),
            DuckDbStep.Query($"SELECT * FROM parquet_metadata('{path}') ORDER BY row_group_id, column_id")]);

        ParquetJsonValues.AssertRowsEqual(results[0], OurRows.ToJson(Schema, Rows), variant);
        var meta = results[1];
        string codec = options.Compression switch
        {
            ParquetCompression.Uncompressed => "UNCOMPRESSED",
            ParquetCompression.Lz4Raw => "LZ4_RAW",
            var c => c.ToString().ToUpperInvariant(),
        };
        Assert.All(meta.Column("compression"), c => Assert.Equal(codec, c!.GetValue<string>()));
        var groupRows = meta.Rows.GroupBy(r => r[meta.ColumnIndex("row_group_id")]!.GetValue<long>())
            .Select(g => g.First()[meta.ColumnIndex("row_group_num_rows")]!.GetValue<long>()).ToList();
        Assert.Equal(RowCount, groupRows.Sum());
        if (variant == "small row groups") Assert.Equal(Enumerable.Repeat(64L, 7).Append(52), groupRows);

        foreach (var row in meta.Rows)
        {
            string column = row[meta.ColumnIndex("path_in_schema")]!.GetValue<string>();
            var encodings = row[meta.ColumnIndex("encodings")]!.GetValue<string>().Split(", ");
            string where = $"{variant}: group {row[meta.ColumnIndex("row_group_id")]} column {column}";
            if (options.ColumnEncodings?.TryGetValue(column.Split(", ")[0], out var requested) == true)
                Assert.True(encodings.Contains(ParquetFiles(requested)), $"{where}: encodings {string.Join(",", encodings)} lack {requested}");
            if (!options.EnableDictionary)
                Assert.DoesNotContain(encodings, e => e.EndsWith("DICTIONARY"));
        }
        if (options.EnableDictionary && options.ColumnEncodings is null)
            Assert.Contains("RLE_DICTIONARY", meta.Rows.Where(r => r[meta.ColumnIndex("path_in_schema")]!.GetValue<string>() == "s")
                .SelectMany(r => r[meta.ColumnIndex("encodings")]!.GetValue<string>().Split(", ")));

        AssertStatistics(meta, groupRows, variant);
    }

    private static string ParquetFiles(ParquetEncoding encoding) => OfflineSafety.Pipeline.ParquetFiles.ParquetInspection.FormatName(encoding);

    // Expected bounds per row group, computed from the rows we wrote, against the text DuckDB
    // decodes from our footer.
    private static void AssertStatistics(DuckDbResult meta, List<long> groupRows, string variant)
    {
        long first = 0;
        for (int g = 0; g < groupRows.Count; g++)
        {
            var rows = Rows.Skip((int)first).Take((int)groupRows[g]).ToList();
            first += groupRows[g];
            string? Stat(string column, string stat) => meta.Rows
                .Single(r => r[meta.ColumnIndex("row_group_id")]!.GetValue<long>() == g && r[meta.ColumnIndex("path_in_schema")]!.GetValue<string>() == column)
                [meta.ColumnIndex(stat)]?.ToString();
            void Expect(string column, string? min, string? max, long nulls)
            {
                Assert.Equal(min, Stat(column, "stats_min_value"));
                Assert.Equal(max, Stat(column, "stats_max_value"));
                Assert.Equal(nulls.ToString(CultureInfo.InvariantCulture), Stat(column, "stats_null_count"));
            }
            var i64 = rows.Select(r => (long?)r[2]).ToList();
            Expect("i64", i64.Min()?.ToString(CultureInfo.InvariantCulture), i64.Max()?.ToString(CultureInfo.InvariantCulture), i64.Count(v => v is null));
            var u32 = rows.Select(r => r[4] is int v ? (uint?)unchecked((uint)v) : null).ToList();
            Expect("u32", u32.Min()?.ToString(CultureInfo.InvariantCulture), u32.Max()?.ToString(CultureInfo.InvariantCulture), u32.Count(v => v is null));
            var s = rows.Select(r => (string?)r[8]).Where(v => v is not null).Select(v => v!).ToList();
            var byBytes = Comparer<string>.Create((a, b) => Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));
            Expect("s", s.Min(byBytes), s.Max(byBytes), rows.Count(r => r[8] is null));
            var f = rows.Select(r => r[5] as float?).Where(v => v is not null && !float.IsNaN(v.Value)).Select(v => v!.Value).ToList();
            // DuckDB shows no bounds when one is infinite (ours are written; inspect tests read them).
            foreach (var (bound, stat) in new[] { (f.Min(), "stats_min_value"), (f.Max(), "stats_max_value") })
            {
                string? text = Stat("f", stat);
                if (!float.IsFinite(bound)) Assert.Null(text);
                else Assert.True(text is not null && BitConverter.SingleToInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)) == BitConverter.SingleToInt32Bits(bound == 0 && stat.Contains("min") ? -0f : bound),
                    $"{variant}: group {g} f {stat}: DuckDB {text}, expected {bound}");
            }
            Assert.Equal(rows.Count(r => r[5] is null).ToString(CultureInfo.InvariantCulture), Stat("f", "stats_null_count"));
            var items = rows.Where(r => r[13] is List<object?>).SelectMany(r => (List<object?>)r[13]!).ToList();
            Assert.Equal((rows.Count(r => r[13] is null or List<object?> { Count: 0 }) + items.Count(v => v is null)).ToString(CultureInfo.InvariantCulture),
                Stat("ints, list, element", "stats_null_count"));
        }
    }
}
