using System.Text.Json;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Pipeline.Tests.Cli;
using OfflineSafety.Storage;

namespace OfflineSafety.Pipeline.Tests.Datasets;

/// <summary>`offsafe datasets ...` run as a real process (the built offsafe.dll) against a temp store.</summary>
public sealed class DatasetsCommandsTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offsafe-cli-tests", Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        var store = new DatasetStore(new LocalObjectStore(_root));
        await store.CreateAsync("demo", new DatasetMetadata("Demo-v0", 2, 1));
        await store.AppendAsync("demo", Batch("light", "robotA", 0, 6));   // version 1: 6 rows, 2 unsafe
        await store.AppendAsync("demo", Batch("heavy", "sim", 10, 4));     // version 2: 4 rows, 1 unsafe
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
        return Task.CompletedTask;
    }

    private static TransitionBatch Batch(string variant, string source, long episode, int steps)
    {
        var b = new TransitionBatch(2, 1);
        for (int t = 0; t < steps; t++)
            b.Add(episode, t, variant, source, [t, -t], [0.5f], [t + 1, -t - 1], 1, t % 3 == 2 ? 1 : 0, t % 3 == 2, t == steps - 1, false);
        return b;
    }

    [Fact]
    public async Task List_show_and_history_report_the_dataset_as_json()
    {
        using (var list = await RunJsonAsync("datasets", "list"))
        {
            var ds = Assert.Single(list.RootElement.GetProperty("datasets").EnumerateArray());
            Assert.Equal("demo", ds.GetProperty("name").GetString());
            Assert.Equal(2, ds.GetProperty("version").GetInt64());
        }
        using (var show = await RunJsonAsync("datasets", "show", "demo@1"))
        {
            var root = show.RootElement;
            Assert.Equal(1, root.GetProperty("version").GetInt64());
            Assert.Equal("Demo-v0", root.GetProperty("envId").GetString());
            Assert.Equal(6, root.GetProperty("total").GetProperty("rows").GetInt64());
            Assert.Equal(2, root.GetProperty("total").GetProperty("unsafe").GetInt64());
            Assert.Equal("robotA", Assert.Single(root.GetProperty("sources").EnumerateArray()).GetProperty("key").GetString());
        }
        using (var history = await RunJsonAsync("datasets", "history", "demo"))
        {
            var versions = history.RootElement.GetProperty("versions").EnumerateArray().ToArray();
            Assert.Equal(3, versions.Length);
            Assert.Equal("CREATE TABLE", versions[0].GetProperty("operation").GetString());
            Assert.Equal("4", versions[2].GetProperty("metrics").GetProperty("rows").GetString());
        }
        var (code, stdout, _) = await RunAsync("datasets", "show", "demo");
        Assert.Equal(0, code);
        Assert.Contains("heavy", stdout);
    }

    [Fact]
    public async Task Tag_diff_delete_export_and_vacuum_work_end_to_end()
    {
        using (var tag = await RunJsonAsync("datasets", "tag", "demo@1", "baseline"))
            Assert.Equal(1, tag.RootElement.GetProperty("version").GetInt64());
        using (var delete = await RunJsonAsync("datasets", "delete", "demo", "--where", "source=robotA"))
        {
            Assert.Equal(3, delete.RootElement.GetProperty("version").GetInt64());
            Assert.Equal(6, delete.RootElement.GetProperty("rowsDeleted").GetInt64());
        }
        using (var diff = await RunJsonAsync("datasets", "diff", "demo@baseline", "demo@3"))
        {
            var root = diff.RootElement;
            Assert.Equal(4, root.GetProperty("rowsAdded").GetInt64());
            Assert.Equal(6, root.GetProperty("rowsRemoved").GetInt64());
            Assert.Equal(-1, root.GetProperty("unsafeChange").GetInt64());
        }
        string csv = Path.Combine(_root, "export", "baseline.csv");
        using (var export = await RunJsonAsync("datasets", "export", "demo@baseline", "--out", csv))
            Assert.Equal(6, export.RootElement.GetProperty("rows").GetInt64());
        Assert.Equal(7, File.ReadAllLines(csv).Length);
        using (var vacuum = await RunJsonAsync("datasets", "vacuum", "demo", "--retain-hours", "0", "--dry-run"))
            Assert.Single(vacuum.RootElement.GetProperty("deleted").EnumerateArray());
    }

    [Fact]
    public async Task User_errors_are_one_line_on_stderr_with_a_non_zero_exit()
    {
        var (code, stdout, stderr) = await RunAsync("datasets", "show", "missing");
        Assert.Equal(1, code);
        Assert.Equal("", stdout.Trim());
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("dataset 'missing' not found", line);

        (code, _, stderr) = await RunAsync("datasets", "list", "--store", "azure://acct/container");
        Assert.Equal(1, code);
        Assert.Contains("unknown scheme 'azure'", stderr);

        (code, _, stderr) = await RunAsync("datasets", "delete", "demo", "--where", "reward=3");
        Assert.Equal(1, code);
        Assert.Contains("reward", stderr);
    }

    private async Task<JsonDocument> RunJsonAsync(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync([.. args, "--json"]);
        Assert.True(code == 0, $"offsafe {string.Join(' ', args)} exited {code}: {stderr}");
        return JsonDocument.Parse(stdout);
    }

    private async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        string[] withStore = args.Contains("--store") ? args : [.. args, "--store", _root];
        var r = await OffsafeProcess.RunAsync(null, withStore, TimeSpan.FromSeconds(60));
        return (r.ExitCode, r.Stdout, r.Stderr);
    }
}
