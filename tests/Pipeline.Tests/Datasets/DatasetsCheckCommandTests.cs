using System.Text.Json;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Pipeline.Tests.Cli;
using OfflineSafety.Storage;

namespace OfflineSafety.Pipeline.Tests.Datasets;

/// <summary>`offsafe datasets check` run as a real process against a temp store with injected faults.</summary>
public sealed class DatasetsCheckCommandTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offsafe-cli-tests", Guid.NewGuid().ToString("N"));

    private string Table => Path.Combine(_root, "datasets", "demo");

    public async Task InitializeAsync()
    {
        var store = new DatasetStore(new LocalObjectStore(_root));
        await store.CreateAsync("demo", new DatasetMetadata("Demo-v0", 2, 1) { CheckpointInterval = 2 });
        await store.AppendAsync("demo", Batch("light", 0, 6)); // version 1
        await store.AppendAsync("demo", Batch("heavy", 10, 4)); // version 2: checkpoint due
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
        return Task.CompletedTask;
    }

    private static TransitionBatch Batch(string variant, long episode, int steps)
    {
        var b = new TransitionBatch(2, 1);
        for (int t = 0; t < steps; t++)
            b.Add(episode, t, variant, "sim", [t, -t], [0.5f], [t + 1, -t - 1], 1, 0, false, t == steps - 1, false);
        return b;
    }

    private Task<OffsafeProcess.Result> RunAsync(params string[] args) =>
        OffsafeProcess.RunAsync(null, [.. args, "--store", _root], TimeSpan.FromMinutes(3));

    private static List<(string Object, bool Repairable, bool Repaired)> Findings(OffsafeProcess.Result r)
    {
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => (f.GetProperty("object").GetString()!, f.GetProperty("repairable").GetBoolean(), f.GetProperty("repaired").GetBoolean()))
            .ToList();
    }

    [Fact]
    public async Task A_clean_dataset_exits_0_and_a_truncated_file_exits_1_with_a_table_row_and_a_one_line_summary()
    {
        var clean = await RunAsync("datasets", "check", "demo", "--json");
        Assert.True(clean.ExitCode == 0, clean.Stderr);
        Assert.Empty(Findings(clean));
        Assert.Equal("offsafe: demo@2: 2 data files, 10 rows verified; clean", clean.Stderr.Trim());

        string file = Directory.GetFiles(Path.Combine(Table, "variant=light"))[0];
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..^5]);
        var damaged = await RunAsync("datasets", "check", "demo");

        Assert.Equal(1, damaged.ExitCode);
        Assert.Contains("variant=light/" + Path.GetFileName(file), damaged.Stdout);
        Assert.Contains($"the log recorded {bytes.Length}", damaged.Stdout.ReplaceLineEndings(" "));
        Assert.Single(damaged.Stderr.Trim().Split('\n'));
        Assert.StartsWith("offsafe: demo@2: 2 data files, 4 rows verified; 1 problem remains", damaged.Stderr);
    }

    [Fact]
    public async Task Repair_writes_the_checkpoint_and_sweeps_staging_leaving_the_orphan_to_vacuum()
    {
        File.Delete(Path.Combine(Table, "_delta_log", "00000000000000000002.checkpoint.parquet"));
        string orphan = Path.Combine(Table, "variant=light", "part-00000-never-committed.snappy.parquet");
        File.WriteAllText(orphan, "orphan");
        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddDays(-30));
        string stale = Path.Combine(_root, ".staging", "deadbeef");
        File.WriteAllText(stale, "half a write");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddMinutes(-20));

        var found = await RunAsync("datasets", "check", "demo", "--json", "--retention", "10m");
        Assert.Equal(1, found.ExitCode);
        Assert.Equal(
            [("_delta_log/00000000000000000002.checkpoint.parquet", true, false), ("variant=light/part-00000-never-committed.snappy.parquet", false, false), (".staging/deadbeef", true, false)],
            Findings(found));
        Assert.Contains("2 repairable with --repair", found.Stderr);

        var young = await RunAsync("datasets", "check", "demo", "--json"); // the default retention (1 h) protects a 20-minute-old staged file
        Assert.DoesNotContain(Findings(young), f => f.Object == ".staging/deadbeef");

        var repaired = await RunAsync("datasets", "check", "demo", "--json", "--repair", "--retention", "10m");
        Assert.Equal(1, repaired.ExitCode);
        Assert.Equal([true, false, true], Findings(repaired).Select(f => f.Repaired));
        Assert.Contains("orphans are left to `offsafe datasets vacuum`", repaired.Stderr);
        Assert.True(File.Exists(Path.Combine(Table, "_delta_log", "00000000000000000002.checkpoint.parquet")));
        Assert.False(File.Exists(stale));

        var vacuum = await RunAsync("datasets", "vacuum", "demo", "--retain-hours", "1");
        Assert.True(vacuum.ExitCode == 0, vacuum.Stderr);
        var after = await RunAsync("datasets", "check", "demo");
        Assert.True(after.ExitCode == 0, after.Stderr + after.Stdout);
    }

    [Fact]
    public async Task A_bad_retention_is_a_one_line_user_error()
    {
        var r = await RunAsync("datasets", "check", "demo", "--retention", "soon");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("offsafe: --retention 'soon': expected a duration such as 30m, 1h, 2d or hh:mm:ss", r.Stderr.Trim());
    }
}
