using System.Text;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;
using OfflineSafety.Storage;

namespace OfflineSafety.Ingest.Tests.Logs;

/// <summary>Step 8, findings 3 and 4: NUL bytes, broken UTF-8 and oversized names are refused, located and short.</summary>
public sealed class IntegrityTests : IDisposable
{
    private const string Header = "episode_id,step,variant,obs_0,action_0,reward,cost,next_obs_0";
    private readonly LogFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string WriteBytes(string name, byte[] bytes)
    {
        var path = Path.Combine(_files.Root, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Concat(params object[] parts)
    {
        var buffer = new List<byte>();
        foreach (var p in parts) buffer.AddRange(p is string s ? Encoding.UTF8.GetBytes(s) : (byte[])p);
        return buffer.ToArray();
    }

    /// <summary>The one error of a rejected single-file read, without the folder.</summary>
    private string ErrorOf(string path, string? variant = null)
    {
        var ex = Assert.Throws<LogRejectedException>(() => LogIngest.Read([path], new IngestSettings(new FieldMap(), Variant: variant)));
        Assert.Equal(1, ex.ErrorCount);
        var text = ex.Errors[0].ToString();
        Assert.DoesNotContain('\n', text);
        return text[(_files.Root.Length + 1)..];
    }

    [Fact]
    public void A_NUL_inside_a_CSV_number_is_rejected_naming_file_line_and_column()
    {
        var path = WriteBytes("n.csv", Concat(Header, "\n1,0,a,0,0,0,0,1\n1,1,a,0,0,", new byte[] { (byte)'5', 0 }, ",0,1\n"));
        Assert.Equal("n.csv:3:reward: contains a NUL byte (at byte 2)", ErrorOf(path));
    }

    [Fact]
    public void A_NUL_inside_a_JSONL_number_string_is_rejected()
    {
        var path = _files.Write("n.jsonl", "{\"obs\":[0],\"action\":[0],\"reward\":\"5\\u0000\",\"cost\":0,\"next_obs\":[1]}\n");
        Assert.Equal("n.jsonl:1:reward: contains a NUL byte (at byte 2)", ErrorOf(path));
    }

    [Fact]
    public void Invalid_UTF8_in_a_CSV_variant_is_rejected_not_stored_as_a_replacement_character()
    {
        var path = WriteBytes("u.csv", Concat(Header, "\n1,0,a", new byte[] { 0xFF }, "b,0,0,0,0,1\n"));
        Assert.Equal("u.csv:2:variant: invalid UTF-8 (at byte 2)", ErrorOf(path));
    }

    [Fact]
    public void Invalid_UTF8_in_a_JSONL_variant_is_rejected_naming_the_key()
    {
        var path = WriteBytes("u.jsonl", Concat("{\"obs\":[0],\"action\":[0],\"reward\":0,\"cost\":0,\"next_obs\":[1],\"variant\":\"a", new byte[] { 0xC3, 0x28 }, "\"}\n"));
        Assert.Equal("u.jsonl:1:variant: invalid UTF-8 (at byte 72 of the line)", ErrorOf(path));
    }

    [Fact]
    public void A_replacement_character_or_control_byte_in_a_Parquet_variant_is_rejected()
    {
        foreach (var (value, reason) in new[] { ("a\uFFFDb", "contains U+FFFD, the mark of text that was not valid UTF-8"), ("a\u0001b", "contains a control character (U+0001)") })
        {
            var path = Path.Combine(_files.Root, "p.parquet");
            var schema = new ParquetSchema(ParquetField.String("variant"), ParquetField.Float("obs_0"), ParquetField.Float("action_0"),
                ParquetField.Float("reward"), ParquetField.Float("cost"), ParquetField.Float("next_obs_0"));
            using (var w = ParquetFileWriter.Create(path, schema))
                w.WriteBatch(new ParquetColumnBatch(1).Add<string>("variant", new[] { value }).Add<float>("obs_0", new float[] { 0 })
                    .Add<float>("action_0", new float[] { 0 }).Add<float>("reward", new float[] { 0 }).Add<float>("cost", new float[] { 0 })
                    .Add<float>("next_obs_0", new float[] { 1 }));
            Assert.StartsWith($"p.parquet:1:variant: {reason}", ErrorOf(path));
        }
    }

    [Fact]
    public void A_10_MB_variant_is_rejected_in_one_short_line_that_gives_its_length()
    {
        var path = _files.Write("big.csv", $"{Header}\n1,0,{new string('v', 10_000_000)},0,0,0,0,1\n");
        var error = ErrorOf(path);
        Assert.StartsWith("big.csv:2:variant: longer than 200 bytes (10000000 bytes): 'vvvv", error);
        Assert.True(error.Length < 200, error);
        Assert.EndsWith("…'", error);
    }

    [Fact]
    public void A_variant_whose_folder_name_would_pass_the_file_system_limit_is_rejected()
    {
        // 90 '%' are 90 bytes, but each becomes %25 in the folder name: 'variant=' + 270 bytes.
        var path = _files.Write("pct.csv", $"{Header}\n1,0,{new string('%', 90)},0,0,0,0,1\n");
        Assert.StartsWith("pct.csv:2:variant: its folder name 'variant=%25%25", ErrorOf(path));
    }

    [Fact]
    public void Control_characters_in_a_source_are_rejected()
    {
        var path = _files.Write("c.csv", "obs_0,action_0,reward,cost,next_obs_0,source\n0,0,0,0,1,\"robot\u001b[31m\"\n");
        Assert.Equal("c.csv:2:source: contains a control character (U+001B)", ErrorOf(path));
    }

    [Fact]
    public void A_variant_given_on_the_command_line_follows_the_same_rules()
    {
        var path = _files.Write("ok.csv", "obs_0,action_0,reward,cost,next_obs_0\n0,0,0,0,1\n");
        var ex = Assert.Throws<BadInputException>(() => LogIngest.Read([path], new IngestSettings(new FieldMap(), Variant: new string('x', 5000))));
        Assert.StartsWith("--variant: longer than 200 bytes (5000 bytes): 'xxx", ex.Message);
        Assert.True(ex.Message.Length < 200, ex.Message);
        ex = Assert.Throws<BadInputException>(() => LogIngest.Read([path], new IngestSettings(new FieldMap(), Source: "a\u0007b")));
        Assert.Equal("--source: contains a control character (U+0007)", ex.Message);
        ex = Assert.Throws<BadInputException>(() => LogIngest.Read([path], new IngestSettings(new FieldMap(), Variant: "a\nb")));
        Assert.Equal("--variant: contains a control character (U+000A)", ex.Message);
        ex = Assert.Throws<BadInputException>(() => LogIngest.Read([path], new IngestSettings(new FieldMap(), Variant: "")));
        Assert.Equal("--variant: empty", ex.Message);
    }

    [Fact]
    public void A_source_defaulted_from_the_file_name_follows_the_same_rules()
    {
        const string Body = "obs_0,action_0,reward,cost,next_obs_0\n0,0,0,0,1\n";
        var control = _files.Write("run\u0001.csv", Body);
        var ex = Assert.Throws<BadInputException>(() => LogIngest.Read([control], new IngestSettings(new FieldMap())));
        Assert.Equal("'run?.csv': rows without a source take the file name as their source, and this name is refused: contains a control character (U+0001); give --source", ex.Message);

        var longName = _files.Write(new string('n', 230) + ".csv", Body);
        ex = Assert.Throws<BadInputException>(() => LogIngest.Read([longName], new IngestSettings(new FieldMap())));
        Assert.Contains("longer than 200 bytes (234 bytes)", ex.Message);
        Assert.True(ex.Message.Length < 400, ex.Message);

        // --source, or a source column in every row, makes the file name irrelevant.
        Assert.Equal("ok", LogIngest.Read([longName], new IngestSettings(new FieldMap(), Source: "ok")).Transitions.Source[0]);
        var withColumn = _files.Write(new string('m', 230) + ".csv", "obs_0,action_0,reward,cost,next_obs_0,source\n0,0,0,0,1,robot\n");
        Assert.Equal("robot", LogIngest.Read([withColumn], new IngestSettings(new FieldMap())).Transitions.Source[0]);
    }

    [Fact]
    public void Values_within_the_rules_are_kept_as_written()
    {
        string variant = "b1=2.0,b2=2.0 héavy/ü" + new string('x', 150);
        var path = _files.Write("fine.csv", $"obs_0,action_0,reward,cost,next_obs_0,variant\n0,0,0,0,1,\"{variant}\"\n");
        var t = LogIngest.Read([path], new IngestSettings(new FieldMap())).Transitions;
        Assert.Equal(variant, t.Variant[0]);
    }

    [Fact]
    public async Task Oversized_or_empty_dataset_names_are_one_short_line_and_nothing_is_written()
    {
        var root = Path.Combine(_files.Root, "st");
        var store = new DatasetStore(new LocalObjectStore(root));
        var csv = _files.Write("a.csv", "obs_0,action_0,reward,cost,next_obs_0\n0,0,0,0,1\n");
        var ingest = new DatasetIngest(store);

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => ingest.RunAsync(new IngestRequest([csv], new string('d', 10_000_000), new FieldMap(), CreateWithEnv: "E")));
        Assert.True(ex is UserError or ArgumentException, ex.GetType().Name);
        Assert.True(ex.Message.Length < 300, ex.Message[..Math.Min(300, ex.Message.Length)]);
        Assert.Contains("(10000000 characters)", ex.Message);

        ex = await Assert.ThrowsAnyAsync<Exception>(() => ingest.RunAsync(new IngestRequest([csv], "", new FieldMap(), CreateWithEnv: "E")));
        Assert.True(ex is UserError or ArgumentException, ex.GetType().Name);
        Assert.DoesNotContain("(Parameter", ex.Message);
        Assert.Equal("dataset name is empty", ex.Message);

        ex = await Assert.ThrowsAnyAsync<Exception>(() => ingest.RunAsync(new IngestRequest([csv], "../up", new FieldMap(), CreateWithEnv: "E")));
        Assert.StartsWith("dataset name '../up' is invalid", ex.Message);

        var bad = await Assert.ThrowsAsync<BadInputException>(() => ingest.RunAsync(new IngestRequest([csv], "d", new FieldMap(), CreateWithEnv: "bad env\u0000")));
        Assert.StartsWith("environment id 'bad env", bad.Message);
        await Assert.ThrowsAsync<BadInputException>(() => ingest.RunAsync(new IngestRequest([csv], "d", new FieldMap(), Variant: new string('v', 300), CreateWithEnv: "E")));
        Assert.False(Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Any(),
            "a refused ingest writes nothing");
    }
}
