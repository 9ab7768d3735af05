using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OfflineSafety.Interop.Tests.Peers;
using OfflineSafety.Parquet.Reading;

namespace OfflineSafety.Interop.Tests.Parquet;

/// <summary>DuckDB writes, we read: values, row groups and footer details must agree exactly.</summary>
[Collection(DuckDbWrittenCollection.Name)]
public sealed class DuckDbWritesTests(DuckDbWrittenFiles files)
{
    [Theory]
    [MemberData(nameof(DuckDbVarieties.Names), MemberType = typeof(DuckDbVarieties))]
    public void Our_reader_returns_the_rows_duckdb_returns(string variety)
    {
        var ours = OurRows.Read(files.Path(variety));

        ParquetJsonValues.AssertRowsEqual(files.Rows(variety), ours, variety);
    }

    [Theory]
    [MemberData(nameof(DuckDbVarieties.Names), MemberType = typeof(DuckDbVarieties))]
    public void Cat_json_prints_the_rows_duckdb_returns(string variety)
    {
        var outcome = OffsafeInProcess.Run("parquet", "cat", files.Path(variety), "--json");

        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        ParquetJsonValues.AssertRowsEqual(files.Rows(variety), OurRows.ParseJsonLines(outcome.Stdout), variety);
    }

    [Theory]
    [MemberData(nameof(DuckDbVarieties.Names), MemberType = typeof(DuckDbVarieties))]
    public void Inspect_reports_the_footer_duckdb_reports(string variety)
    {
        var outcome = OffsafeInProcess.Run("parquet", "inspect", files.Path(variety), "--json");
        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        var inspection = JsonNode.Parse(outcome.Stdout)!;
        var chunks = inspection["row_groups"]!.AsArray()
            .SelectMany((g, index) => g!["columns"]!.AsArray().Select(c => (Group: index, Chunk: c!))).ToList();
        var metadata = files.Metadata(variety);

        Assert.Equal(metadata.Rows.Count, chunks.Count);
        Assert.Equal(metadata.Column("row_group_id").Max(v => v!.GetValue<long>()) + 1, inspection["row_groups"]!.AsArray().Count);
        for (int i = 0; i < chunks.Count; i++)
        {
            var (group, chunk) = chunks[i];
            var expected = metadata.Rows[i];
            string Text(string column) => expected[metadata.ColumnIndex(column)]?.ToString() ?? "";
            long? Number(string column) => expected[metadata.ColumnIndex(column)]?.GetValue<long>();
            string where = $"{variety}: row group {group} column {chunk["path"]}";

            Assert.Equal(Number("row_group_id"), group);
            Assert.Equal(Text("path_in_schema").Replace(", ", "."), chunk["path"]!.GetValue<string>());
            Assert.Equal(Text("type"), chunk["physical_type"]!.GetValue<string>());
            Assert.Equal(Text("compression"), chunk["compression"]!.GetValue<string>());
            Assert.Equal(Text("encodings").Split(", ").Order(), chunk["encodings"]!.AsArray().Select(e => e!.GetValue<string>()).Order());
            Assert.Equal(Number("total_compressed_size"), chunk["compressed_bytes"]!.GetValue<long>());
            Assert.Equal(Number("total_uncompressed_size"), chunk["uncompressed_bytes"]!.GetValue<long>());
            Assert.Equal(Number("num_values"), chunk["values"]!.GetValue<long>());
            Assert.True(Number("dictionary_page_offset") is not null == chunk["has_dictionary_page"]!.GetValue<bool>(), where + ": dictionary page");
            AssertStatistics(where, chunk, Text("type"), Number("stats_null_count"),
                expected[metadata.ColumnIndex("stats_min_value")]?.GetValue<string>(), expected[metadata.ColumnIndex("stats_max_value")]?.GetValue<string>());
        }
    }

    // DuckDB prints bounds as text in its own style; compare where that text is exact and
    // unambiguous (integers, booleans, strings, dates, decimals) and presence for the rest.
    private static void AssertStatistics(string where, JsonNode chunk, string physicalType, long? nullCount, string? min, string? max)
    {
        var stats = chunk["statistics"];
        Assert.Equal(nullCount, stats?["null_count"]?.GetValue<long>());
        string? logical = chunk["logical_type"]?.GetValue<string>();
        foreach (var (duck, ours) in new[] { (min, stats?["min"]), (max, stats?["max"]) })
        {
            Assert.True((duck is null) == (ours is null), $"{where}: DuckDB bound {duck ?? "null"}, ours {ours?.ToJsonString() ?? "null"}");
            if (duck is null || ours is null) continue;
            switch (physicalType)
            {
                case "INT32" or "INT64" or "BOOLEAN" when logical is null or "DATE" || logical.StartsWith("INT(") || logical.StartsWith("UINT(") || logical.StartsWith("DECIMAL"):
                    Assert.True(duck == (ours.GetValueKind() == JsonValueKind.String ? ours.GetValue<string>() : ours.ToJsonString()), $"{where}: DuckDB bound {duck}, ours {ours.ToJsonString()}");
                    break;
                case "BYTE_ARRAY" when logical == "STRING":
                    Assert.Equal(duck, ours.GetValue<string>());
                    break;
                case "FLOAT" or "DOUBLE":
                    double d = double.Parse(duck, CultureInfo.InvariantCulture), o = ParquetJsonValues.ParseDouble(ours);
                    Assert.True(Math.Abs(d - o) <= 1e-3 * Math.Max(1, Math.Abs(o)), $"{where}: DuckDB bound {duck}, ours {o}");
                    break;
            }
        }
    }

    [Fact]
    public void Many_small_row_groups_are_all_read_in_order()
    {
        using var reader = ParquetFileReader.Open(files.Path("many small row groups"));

        Assert.Equal(10, reader.RowGroupCount);
        var ids = Enumerable.Range(0, reader.RowGroupCount).SelectMany(g => reader.ReadValues<long>(g, "id", out _)).ToArray();
        Assert.Equal(Enumerable.Range(0, 20000).Select(i => (long)i), ids);
    }

    [Fact]
    public void Dictionary_file_reports_dictionary_pages_and_statistics()
    {
        // pyarrow is not installable here (no Debian package, no PyPI); DuckDB with a large
        // dictionary limit writes the same kind of file: dictionary pages plus min/max/null statistics.
        var outcome = OffsafeProcess.Run("parquet", "inspect", files.Path("dictionary on"), "--json");
        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        var category = JsonNode.Parse(outcome.Stdout)!["row_groups"]![0]!["columns"]!.AsArray().Single(c => c!["path"]!.GetValue<string>() == "category")!;

        Assert.True(category["has_dictionary_page"]!.GetValue<bool>());
        Assert.Contains("PLAIN_DICTIONARY", category["encodings"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal("cat-0", category["statistics"]!["min"]!.GetValue<string>());
        Assert.Equal("cat-9", category["statistics"]!["max"]!.GetValue<string>());
        Assert.Equal(0, category["statistics"]!["null_count"]!.GetValue<long>());
        Assert.Equal(20000, category["values"]!.GetValue<long>());
        var pair = JsonNode.Parse(outcome.Stdout)!["row_groups"]![0]!["columns"]!.AsArray().Single(c => c!["path"]!.GetValue<string>() == "pair.list.element")!;
        Assert.Equal(2000, pair["statistics"]!["null_count"]!.GetValue<long>());
        Assert.Equal(1, pair["statistics"]!["min"]!.GetValue<long>());
        Assert.Equal(20000, pair["statistics"]!["max"]!.GetValue<long>());
    }
}
