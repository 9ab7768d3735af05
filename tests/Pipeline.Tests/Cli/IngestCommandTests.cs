using System.Text.Json;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;
using OfflineSafety.Storage;

namespace OfflineSafety.Pipeline.Tests.Cli;

public sealed class IngestCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "offsafe-ingest-cli-" + Guid.NewGuid().ToString("N"));

    public IngestCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string Write(string name, string text)
    {
        File.WriteAllText(Path.Combine(_dir, name), text);
        return name;
    }

    private DatasetStore Store() => new(new LocalObjectStore(Path.Combine(_dir, "st")));

    private static JsonElement Json(OffsafeProcess.Result r)
    {
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    [Fact]
    public async Task Files_of_every_format_land_in_one_version_with_defaults_reported()
    {
        Write("a.csv", "episode_id,obs_0,obs_1,action_0,reward,cost\n1,0,0,1,1,0\n1,1,0,1,1,0\n1,2,0,1,1,3\n");
        Write("b.jsonl", "{\"obs\": [5, 5], \"action\": [0], \"next_obs\": [6, 6], \"reward\": 0, \"unsafe\": false, \"variant\": \"heavy\"}\n");

        var r = Json(await OffsafeProcess.RunAsync(_dir, "ingest", "a.csv", "b.jsonl", "--dataset", "robot", "--create", "--env", "Nav1", "--allow-unknown-env",
            "--variant", "light", "--store", "st", "--json"));

        Assert.Equal("robot", r.GetProperty("dataset").GetString());
        Assert.Equal(1, r.GetProperty("version").GetInt64()); // version 0 is the empty table that --create made
        Assert.Equal(4, r.GetProperty("rows").GetInt64());    // three CSV rows (the crash keeps next_obs = obs) + one JSONL row
        Assert.Equal(2, r.GetProperty("episodes").GetInt32());
        Assert.Equal(1, r.GetProperty("unsafe").GetInt64());
        Assert.Equal(0, r.GetProperty("rejected").GetInt64());
        var notes = r.GetProperty("notes").EnumerateArray().Select(n => n.GetString()).ToList();
        Assert.Contains("terminal: absent in 4 rows, set to unsafe (violations end episodes)", notes);

        var store = Store();
        var history = await new DatasetInspection(store).HistoryAsync("robot");
        Assert.Equal(["INGEST", "CREATE TABLE"], history.Select(h => h.Operation).OrderByDescending(o => o, StringComparer.Ordinal).ToArray());
        var batch = await store.ReadAsync(DatasetReference.Parse("robot@1"));
        Assert.Equal(4, batch.Count);
        Assert.Equal(["heavy", "light", "light", "light"], batch.Variant.ToArray().Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(["a.csv", "a.csv", "a.csv", "b.jsonl"], batch.Source.ToArray().Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task An_hdf5_file_from_h5py_ingests_with_a_preset_and_a_truncated_one_is_rejected()
    {
        OfflineSafety.Testing.H5py.Write(Path.Combine(_dir, "dsrl.h5"), """
            with h5py.File(path, 'w') as f:
                f.create_dataset('observations', data=np.arange(8, dtype=np.float32).reshape(4, 2))
                f.create_dataset('next_observations', data=np.arange(2, 10, dtype=np.float32).reshape(4, 2))
                f.create_dataset('actions', data=np.zeros((4, 1), dtype=np.float32))
                f.create_dataset('rewards', data=np.ones(4, dtype=np.float32))
                f.create_dataset('costs', data=np.array([0, 1, 0, 0], dtype=np.float32))
                f.create_dataset('terminals', data=np.array([0, 1, 0, 0], dtype=np.float32))
                f.create_dataset('timeouts', data=np.array([0, 0, 0, 1], dtype=np.float32))
            """);
        var r = Json(await OffsafeProcess.RunAsync(_dir, "ingest", "dsrl.h5", "--map", "dsrl", "--dataset", "safe", "--create", "--env", "E", "--allow-unknown-env", "--store", "st", "--json"));
        Assert.Equal(4, r.GetProperty("rows").GetInt64());
        Assert.Equal(2, r.GetProperty("episodes").GetInt32());
        Assert.Equal(1, r.GetProperty("unsafe").GetInt64());

        var bytes = await File.ReadAllBytesAsync(Path.Combine(_dir, "dsrl.h5"));
        await File.WriteAllBytesAsync(Path.Combine(_dir, "cut.h5"), bytes[..(bytes.Length / 2)]);
        var rejected = await OffsafeProcess.RunAsync(_dir, "ingest", "cut.h5", "--map", "dsrl", "--dataset", "safe", "--store", "st");
        Assert.Equal(1, rejected.ExitCode);
        Assert.StartsWith("cut.h5:0:(file): truncated HDF5 file: its superblock records", rejected.Stderr);
        Assert.DoesNotContain("   at ", rejected.Stderr);
        Assert.Equal(1, (await new DatasetInspection(Store()).HistoryAsync("safe")).Max(h => h.Version));
    }

    [Fact]
    public async Task Appends_continue_episode_ids_and_a_rejected_append_adds_no_version()
    {
        Write("a.csv", "obs_0,action_0,reward,cost,next_obs_0\n0,0,0,0,1\n0,0,0,1,1\n");
        Json(await OffsafeProcess.RunAsync(_dir, "ingest", "a.csv", "--dataset", "d", "--create", "--env", "E", "--allow-unknown-env", "--store", "st", "--json"));
        // The same bytes again: since Step 8 an ingest skips content the dataset holds unless told otherwise.
        var second = Json(await OffsafeProcess.RunAsync(_dir, "ingest", "a.csv", "--dataset", "d", "--store", "st", "--json", "--allow-duplicate"));
        Assert.Equal(2, second.GetProperty("version").GetInt64());

        var ids = (await Store().ReadAsync(DatasetReference.Parse("d"))).EpisodeId.ToArray().Order().ToArray();
        Assert.Equal([0L, 0L, 1L, 1L], ids); // each file's episode ends at its unsafe row; the append starts at 1

        Write("wide.csv", "obs_0,obs_1,action_0,reward,cost,next_obs_0,next_obs_1\n0,0,0,0,0,1,1\n");
        var rejected = await OffsafeProcess.RunAsync(_dir, "ingest", "wide.csv", "--dataset", "d", "--store", "st");
        Assert.Equal(1, rejected.ExitCode);
        Assert.StartsWith("wide.csv:2:obs: has 2 values, expected 1 (dimension set by dataset metadata)", rejected.Stderr);
        Assert.Equal(2, (await new DatasetInspection(Store()).HistoryAsync("d")).Max(h => h.Version));
    }

    [Fact]
    public async Task Quarantine_commits_valid_rows_and_writes_rejects_referenced_from_the_commit()
    {
        Write("q.jsonl", "{\"obs\": [1], \"action\": [0], \"next_obs\": [2], \"reward\": 1, \"cost\": 0}\n" +
                         "{\"obs\": [1], \"action\": [0], \"next_obs\": [2], \"reward\": 1, \"cost\": -4}\n");

        var r = Json(await OffsafeProcess.RunAsync(_dir, "ingest", "q.jsonl", "--dataset", "q", "--create", "--env", "E", "--allow-unknown-env", "--quarantine", "--store", "st", "--json"));
        Assert.Equal(1, r.GetProperty("rows").GetInt64());
        Assert.Equal(1, r.GetProperty("rejected").GetInt64());
        string key = r.GetProperty("rejects").GetString()!;
        Assert.Matches("^datasets/q/_rejects/[0-9a-f]{32}\\.jsonl$", key);

        var line = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "st", key))).RootElement;
        Assert.Equal("q.jsonl", line.GetProperty("file").GetString());
        Assert.Equal(2, line.GetProperty("row").GetInt64());
        Assert.Equal("cost", line.GetProperty("column").GetString());
        Assert.StartsWith("negative cost", line.GetProperty("reason").GetString());
        Assert.Contains("\"cost\": -4", line.GetProperty("raw").GetString());

        var commit = (await new DatasetInspection(Store()).HistoryAsync("q")).Single(h => h.Operation == "INGEST");
        Assert.Equal(key["datasets/q/".Length..], commit.Parameters["rejects"]);
        Assert.Equal("1", commit.Metrics["rejectedRows"]);
        Assert.Equal(1, (await Store().ReadAsync(DatasetReference.Parse("q"))).Count);
    }

    [Fact]
    public async Task A_d4rl_parquet_file_named_anyhow_ingests_with_map_and_format()
    {
        var schema = new ParquetSchema(
            ParquetField.List("observations", ParquetField.Float("element")), ParquetField.List("actions", ParquetField.Float("element")),
            ParquetField.Float("rewards"), ParquetField.Float("costs"), ParquetField.Boolean("terminals"), ParquetField.Boolean("timeouts"));
        using (var w = ParquetFileWriter.Create(Path.Combine(_dir, "export.dat"), schema))
            w.WriteBatch(new ParquetColumnBatch(4)
                .AddFixedSizeList<float>("observations", new float[] { 0, 1, 2, 3 }, 1).AddFixedSizeList<float>("actions", new float[] { 1, 1, 1, 1 }, 1)
                .Add<float>("rewards", new float[] { 1, 1, 1, 1 }).Add<float>("costs", new float[] { 0, 0, 0, 0 })
                .Add<bool>("terminals", new[] { false, false, false, false }).Add<bool>("timeouts", new[] { false, true, false, true }));

        var r = Json(await OffsafeProcess.RunAsync(_dir, "ingest", "export.dat", "--dataset", "d4", "--create", "--env", "Hopper", "--allow-unknown-env",
            "--map", "d4rl", "--format", "parquet", "--source", "hopper-medium", "--store", "st", "--json"));

        // Two episodes of two steps; each ends in a timeout whose next observation is unknown, so it is dropped.
        Assert.Equal(2, r.GetProperty("rows").GetInt64());
        Assert.Contains(r.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("dropped 2 non-terminal rows", StringComparison.Ordinal));
        var batch = await Store().ReadAsync(DatasetReference.Parse("d4"));
        Assert.Equal([0f, 2f], batch.Obs.ToArray().Order().ToArray());
        Assert.Equal([1f, 3f], batch.NextObs.ToArray().Order().ToArray());
        Assert.All(batch.Source.ToArray(), s => Assert.Equal("hopper-medium", s));
    }

    [Fact]
    public async Task Without_json_a_table_and_the_notes_are_printed()
    {
        Write("t.csv", "obs_0,action_0,reward,unsafe,next_obs_0\n0,0,0,true,1\n");
        var r = await OffsafeProcess.RunAsync(_dir, "ingest", "t.csv", "--dataset", "t", "--create", "--env", "E", "--allow-unknown-env", "--store", "st");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("rejected", r.Stdout);
        Assert.Contains("note: cost: absent in 1 rows, set to 0", r.Stdout);
    }

    [Fact]
    public async Task A_bad_file_rejects_the_whole_ingest_with_located_errors_and_creates_nothing()
    {
        Write("good.csv", "obs_0,action_0,reward,cost,next_obs_0\n0,0,0,0,1\n");
        var lines = new List<string> { "obs_0,action_0,reward,cost,next_obs_0" };
        for (int i = 0; i < 8; i++) lines.Add(i % 2 == 0 ? "0,0,0,-1,1" : "0,0,x,0,1");
        Write("bad.csv", string.Join('\n', lines) + "\n");

        var r = await OffsafeProcess.RunAsync(_dir, "ingest", "good.csv", "bad.csv", "--dataset", "robot", "--create", "--env", "Nav1", "--allow-unknown-env", "--store", "st");

        Assert.Equal(1, r.ExitCode);
        var err = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("bad.csv:2:cost: negative cost (-1); costs are non-negative", err[0]);
        Assert.Equal("bad.csv:3:reward: not a number: 'x'", err[1]);
        Assert.Equal(6, err.Length);
        Assert.StartsWith("offsafe: ingest rejected: 8 errors (5 shown); no version created", err[5]);
        Assert.Equal("", r.Stdout);
        Assert.False(Directory.Exists(Path.Combine(_dir, "st", "datasets", "robot")), "a rejected ingest must not create the dataset");
    }

    [Fact]
    public async Task Unknown_dataset_without_create_and_missing_columns_are_one_line_errors()
    {
        Write("a.csv", "obs_0,action_0,reward,cost\n0,0,0,0\n");
        var r = await OffsafeProcess.RunAsync(_dir, "ingest", "a.csv", "--dataset", "nope", "--store", "st");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("dataset 'nope' does not exist", r.Stderr);
        Assert.Contains("--create --env", r.Stderr);

        Write("b.csv", "obs_0,act,reward,cost\n0,0,0,0\n");
        r = await OffsafeProcess.RunAsync(_dir, "ingest", "b.csv", "--dataset", "d", "--create", "--env", "E", "--allow-unknown-env", "--store", "st");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("b.csv:0:action: missing required column 'action' (or action_0, action_1, ...)", r.Stderr);
    }
}
