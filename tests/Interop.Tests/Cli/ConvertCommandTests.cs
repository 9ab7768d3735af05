using System.Text.Json.Nodes;
using OfflineSafety.Bench.Anchors;
using OfflineSafety.Interop.Tests.Peers;

namespace OfflineSafety.Interop.Tests.Cli;

/// <summary>`offsafe parquet convert`: what DuckDB reads from our output, and that failures leave nothing behind.</summary>
[Collection(DuckDbCollection.Name)]
public sealed class ConvertCommandTests(DuckDbPeer duckDb) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string WriteInput(string name, string text)
    {
        string path = _folder.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    private static List<JsonObject> Objects(params string[] json) => json.Select(j => JsonNode.Parse(j)!.AsObject()).ToList();

    private static string[] Types(DuckDbResult result) => result.Columns.Select(c => DescribeType(c.Type)).ToArray();

    private static string DescribeType(JsonObject type) =>
        type["id"]!.GetValue<string>() + (type["child"] is JsonObject child ? $"<{DescribeType(child)}>" : "");

    private void AssertFailedCleanly(ProcessOutcome outcome, params string[] mentions)
    {
        Assert.NotEqual(0, outcome.ExitCode);
        var lines = outcome.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one stderr line, got: {outcome.Stderr}");
        foreach (var mention in mentions) Assert.Contains(mention, lines[0]);
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.parquet"));
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.partial"));
    }

    [Fact]
    public void Csv_types_are_inferred_and_duckdb_reads_the_values()
    {
        string csv = WriteInput("in.csv", """"
            id,score,ok,name,note
            1,0.5,true,"Smith, Jo",
            -2,3,FALSE,"say ""hi""",x
            9007199254740993,1e-300,true,,y
            """");
        string output = _folder.File("out.parquet");

        var outcome = OffsafeInProcess.Run("parquet", "convert", csv, output, "--json");

        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        Assert.Equal(3, JsonNode.Parse(outcome.Stdout)!["rows"]!.GetValue<long>());
        var result = duckDb.Query($"SELECT * FROM '{output}'");
        Assert.Equal(["BIGINT", "DOUBLE", "BOOLEAN", "VARCHAR", "VARCHAR"], Types(result));
        ParquetJsonValues.AssertRowsEqual(result, Objects(
            """{"id":1,"score":0.5,"ok":true,"name":"Smith, Jo","note":null}""",
            """{"id":-2,"score":3,"ok":false,"name":"say \"hi\"","note":"x"}""",
            """{"id":9007199254740993,"score":1e-300,"ok":true,"name":null,"note":"y"}"""), "csv");
    }

    [Fact]
    public void JsonLines_arrays_become_lists_duckdb_reads()
    {
        string jsonl = WriteInput("in.jsonl", """
            {"id": 1, "obs": [0.5, 1.25], "tags": ["a", null], "meta": {"k": 1}}
            {"id": 2, "obs": [], "tags": null, "flag": true}
            {"id": 3, "obs": null, "tags": ["b"], "meta": [1, 2]}
            """);
        string output = _folder.File("out.parquet");

        var outcome = OffsafeInProcess.Run("parquet", "convert", jsonl, output, "--compression", "none");

        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        var result = duckDb.Query($"SELECT * FROM '{output}'");
        Assert.Equal(["BIGINT", "LIST<DOUBLE>", "LIST<VARCHAR>", "VARCHAR", "BOOLEAN"], Types(result));
        ParquetJsonValues.AssertRowsEqual(result, Objects(
            """{"id":1,"obs":[0.5,1.25],"tags":["a",null],"meta":"{\"k\": 1}","flag":null}""",
            """{"id":2,"obs":[],"tags":null,"meta":null,"flag":true}""",
            """{"id":3,"obs":null,"tags":["b"],"meta":"[1, 2]","flag":null}"""), "jsonl");
        Assert.All(duckDb.Query($"SELECT compression FROM parquet_metadata('{output}')").Column("compression"),
            c => Assert.Equal("UNCOMPRESSED", c!.GetValue<string>()));
    }

    [Fact]
    public void Row_group_rows_splits_text_input()
    {
        string csv = WriteInput("in.csv", "n\n" + string.Join("\n", Enumerable.Range(0, 35)) + "\n");
        string output = _folder.File("out.parquet");

        var outcome = OffsafeInProcess.Run("parquet", "convert", csv, output, "--row-group-rows", "10");

        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        var groups = duckDb.Query($"SELECT row_group_num_rows FROM parquet_metadata('{output}') ORDER BY row_group_id");
        Assert.Equal([10L, 10L, 10L, 5L], groups.Column("row_group_num_rows").Select(v => v!.GetValue<long>()));
    }

    [Fact]
    public void Parquet_input_is_rewritten_with_the_same_rows_and_new_codec()
    {
        string input = _folder.File("in.parquet");
        string output = _folder.File("out.parquet");
        duckDb.Run($$$"""
            COPY (SELECT i AS id, CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN [] ELSE [i, NULL] END AS l,
                         {'a': i, 'm': MAP {'k': [i]}} AS s, 'v' || (i % 4) AS v
                  FROM range(150) t(i)) TO '{{{input}}}' (FORMAT parquet)
            """);

        var outcome = OffsafeInProcess.Run("parquet", "convert", input, output, "--compression", "gzip", "--row-group-rows", "50");

        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        var results = duckDb.Execute([
            DuckDbStep.Query($"SELECT * FROM '{input}'"),
            DuckDbStep.Query($"SELECT * FROM '{output}'"),
            DuckDbStep.Query($"SELECT DISTINCT row_group_id, compression FROM parquet_metadata('{output}') ORDER BY ALL")]);
        var converted = results[1].Rows.Select(row => new JsonObject(results[1].Columns.Select((c, i) =>
            KeyValuePair.Create(c.Name, row[i]?.DeepClone())))).ToList();
        ParquetJsonValues.AssertRowsEqual(results[0], converted, "parquet rewrite");
        Assert.Equal(["0 GZIP", "1 GZIP", "2 GZIP"], results[2].Rows.Select(r => $"{r[0]} {r[1]!.GetValue<string>()}"));
    }

    [Fact]
    public void Bad_csv_row_fails_naming_file_and_line_and_leaves_no_output()
    {
        string csv = WriteInput("bad.csv", "a,b\n1,2\n3\n");

        AssertFailedCleanly(OffsafeProcess.Run("parquet", "convert", csv, _folder.File("out.parquet")), csv, "line 3", "1 fields");
    }

    [Fact]
    public void Bad_json_line_fails_naming_file_and_line()
    {
        string jsonl = WriteInput("bad.jsonl", "{\"a\": 1}\n{\"a\": }\n");

        AssertFailedCleanly(OffsafeInProcess.Run("parquet", "convert", jsonl, _folder.File("out.parquet")), jsonl, "line 2", "invalid JSON");
    }

    [Fact]
    public void Unreadable_parquet_input_leaves_no_partial_output()
    {
        string input = _folder.File("corrupt.parquet.in");
        duckDb.Run($"COPY (SELECT range AS id FROM range(10)) TO '{input}' (FORMAT parquet, COMPRESSION zstd)");
        // Garble the first page (header and data) and leave the footer intact, so the file opens and then fails.
        var bytes = File.ReadAllBytes(input);
        bytes.AsSpan(4, 24).Fill(0xA5);
        File.WriteAllBytes(input, bytes);
        string renamed = Path.ChangeExtension(input, null);
        File.Move(input, renamed);

        var outcome = OffsafeInProcess.Run("parquet", "convert", renamed, _folder.File("out.parquet"));

        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains(renamed, outcome.Stderr);
        Assert.False(File.Exists(_folder.File("out.parquet")));
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.partial"));
    }

    [Fact]
    public void Unknown_input_format_and_unknown_codec_are_refused()
    {
        string text = WriteInput("in.txt", "a\n1\n");

        AssertFailedCleanly(OffsafeInProcess.Run("parquet", "convert", text, _folder.File("out.parquet")), text, "unknown input format");
        Assert.NotEqual(0, OffsafeInProcess.Run("parquet", "convert", text, _folder.File("out.parquet"), "--compression", "lzo").ExitCode);
    }
}
