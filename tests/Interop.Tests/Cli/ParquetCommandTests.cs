using System.Text.Json.Nodes;
using OfflineSafety.Bench.Anchors;
using OfflineSafety.Interop.Tests.Parquet;
using OfflineSafety.Interop.Tests.Peers;
using OfflineSafety.Parquet;

namespace OfflineSafety.Interop.Tests.Cli;

/// <summary>`offsafe parquet` commands as a user runs them, including how they fail.</summary>
[Collection(DuckDbWrittenCollection.Name)]
public sealed class ParquetCommandTests(DuckDbWrittenFiles files, DuckDbPeer duckDb) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static void AssertOneLineError(ProcessOutcome outcome, params string[] mentions)
    {
        Assert.NotEqual(0, outcome.ExitCode);
        var lines = outcome.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one stderr line, got: {outcome.Stderr}");
        foreach (var mention in mentions) Assert.Contains(mention, lines[0]);
    }

    [Theory]
    [InlineData("zstd", "ZSTD")]
    [InlineData("lz4", "LZ4_RAW")]
    public void Files_in_the_codecs_other_writers_default_to_are_read(string duckDbCodec, string codec)
    {
        string path = _folder.File($"{duckDbCodec}.parquet");
        duckDb.Run($"COPY (SELECT range AS id, 'row ' || range AS name FROM range(1000)) TO '{path}' (FORMAT parquet, COMPRESSION {duckDbCodec})");

        var cat = OffsafeInProcess.Run("parquet", "cat", path, "--json");
        Assert.Equal(0, cat.ExitCode);
        var lines = cat.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1000, lines.Length);
        Assert.Equal("row 999", JsonNode.Parse(lines[^1])!["name"]!.GetValue<string>());
        var inspect = OffsafeInProcess.Run("parquet", "inspect", path, "--json");
        Assert.Equal(codec, JsonNode.Parse(inspect.Stdout)!["row_groups"]![0]!["columns"]![0]!["compression"]!.GetValue<string>());
    }

    [Fact]
    public void Truncated_file_fails_with_one_line_naming_the_file()
    {
        string path = _folder.File("truncated.parquet");
        var bytes = File.ReadAllBytes(files.Path("snappy"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        AssertOneLineError(OffsafeProcess.Run("parquet", "cat", path, "--json"), path);
        AssertOneLineError(OffsafeProcess.Run("parquet", "inspect", path), path);
    }

    [Fact]
    public void Corrupt_footer_fails_with_one_line_naming_the_file()
    {
        string path = _folder.File("corrupt.parquet");
        var bytes = File.ReadAllBytes(files.Path("lists"));
        int footerLength = BitConverter.ToInt32(bytes, bytes.Length - 8);
        // Garbage over the footer's Thrift fields, length and magic left intact.
        new Random(5).NextBytes(bytes.AsSpan(bytes.Length - 8 - footerLength, footerLength));
        File.WriteAllBytes(path, bytes);

        AssertOneLineError(OffsafeInProcess.Run("parquet", "inspect", path), path);
    }

    [Fact]
    public void Corrupt_compressed_page_fails_with_one_line_naming_the_file()
    {
        string path = _folder.File("corrupt-page.parquet");
        var bytes = File.ReadAllBytes(files.Path("snappy"));
        // The first column chunk's pages start at byte 4; clobber the middle of its first page.
        for (int i = 40; i < 400; i++) bytes[i] = 0xFF;
        File.WriteAllBytes(path, bytes);

        AssertOneLineError(OffsafeInProcess.Run("parquet", "cat", path, "--json"), path);
    }

    [Fact]
    public void Not_a_parquet_file_and_missing_file_fail_cleanly()
    {
        string csv = _folder.File("table.parquet");
        File.WriteAllText(csv, "a,b\n1,2\n");

        AssertOneLineError(OffsafeInProcess.Run("parquet", "cat", csv), csv);
        AssertOneLineError(OffsafeInProcess.Run("parquet", "inspect", _folder.File("missing.parquet")), "missing.parquet");
    }

    [Fact]
    public void Cat_selects_columns_in_the_order_given_and_stops_at_the_limit()
    {
        var outcome = OffsafeInProcess.Run("parquet", "cat", files.Path("lists"), "--columns", "strings,id", "--limit", "3", "--json");

        Assert.Equal(0, outcome.ExitCode);
        var rows = OurRows.ParseJsonLines(outcome.Stdout);
        Assert.Equal(3, rows.Count);
        Assert.Equal(["strings", "id"], rows[0].Select(p => p.Key));
        Assert.Equal([0L, 1L, 2L], rows.Select(r => r["id"]!.GetValue<long>()));
        Assert.Equal("""["a",null,""]""", rows[0]["strings"]!.ToJsonString());
    }

    [Fact]
    public void Cat_unknown_column_names_the_fields()
    {
        AssertOneLineError(OffsafeInProcess.Run("parquet", "cat", files.Path("lists"), "--columns", "nope"), "nope", "ints");
    }

    [Fact]
    public void Cat_and_inspect_print_tables_without_json()
    {
        var cat = OffsafeInProcess.Run("parquet", "cat", files.Path("structs"), "--limit", "2");
        var inspect = OffsafeInProcess.Run("parquet", "inspect", files.Path("structs"));

        Assert.Equal(0, cat.ExitCode);
        Assert.Contains("nested", cat.Stdout);
        Assert.Contains("\"e\":[1,2]", cat.Stdout.Replace(" ", ""));
        Assert.Equal(0, inspect.ExitCode);
        Assert.Contains("row group 0: 120 rows", inspect.Stdout);
        Assert.Contains("nested.c.e.list.element", inspect.Stdout.Replace("\n", ""));
    }

    [Fact]
    public void Missing_node_gives_a_message_that_names_node()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            NodeRuntime.Run("offsafe-no-such-node", [], _folder.Path, null, TimeSpan.FromSeconds(10), CancellationToken.None));

        Assert.Contains("Node.js", ex.Message);
        Assert.Contains("offsafe-no-such-node", ex.Message);
    }
}
