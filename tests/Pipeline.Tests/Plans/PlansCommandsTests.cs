using System.Text.Json;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Pipeline.Tests.Cli;
using OfflineSafety.Storage;

namespace OfflineSafety.Pipeline.Tests.Plans;

/// <summary>`offsafe plans` and `offsafe runs` as a user runs them, in a real process on a temp store.</summary>
public sealed class PlansCommandsTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offsafe-cli-tests", Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        var store = new DatasetStore(new LocalObjectStore(_root));
        await store.CreateAsync("walk", new DatasetMetadata("navigation2", 1, 1) { ActionLow = [-1f], ActionHigh = [1f] });
        var b = new TransitionBatch(1, 1);
        for (int e = 0; e < 20; e++)
            for (int t = 0; t < 8; t++)
            {
                bool hit = e % 2 == 0 && t == 7;
                b.Add(e, t, e < 10 ? "g1" : "g2", "sim", [t * 0.1f], [0.5f], [(t + 1) * 0.1f], 0, hit ? 1 : 0, hit, t == 7, false);
            }
        await store.AppendAsync("walk", b);
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
        return Task.CompletedTask;
    }

    private static readonly string[] Training = ["--dataset", "walk", "--algo", "multitask", "--model", "walk-critic", "--steps", "3", "--batch-size", "8", "--arch", "8,8"];

    [Fact]
    public async Task Add_run_skip_list_and_remove_a_plan()
    {
        var (code, _, stderr) = await RunAsync(["plans", "add", "nightly", .. Training, "--cron", "every night"]);
        Assert.NotEqual(0, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--cron", line);

        using (await RunJsonAsync(["plans", "add", "nightly", .. Training, "--cron", "0 0 2 * * ?", "--on-new-data"])) { }
        using (var run = await RunJsonAsync("plans", "run", "nightly"))
        {
            Assert.Equal("succeeded", run.RootElement.GetProperty("state").GetString());
            Assert.Equal("walk-critic@1", run.RootElement.GetProperty("published_model").GetString());
        }
        using (var again = await RunJsonAsync("plans", "run", "nightly"))
        {
            Assert.Equal("skipped", again.RootElement.GetProperty("state").GetString());
            Assert.Contains("no version newer than @1", again.RootElement.GetProperty("reason").GetString());
        }
        using (var runs = await RunJsonAsync("runs", "list", "--plan", "nightly"))
            Assert.Equal(2, runs.RootElement.GetProperty("runs").GetArrayLength());
        using (var plans = await RunJsonAsync("plans", "list"))
            Assert.Equal("nightly", plans.RootElement.GetProperty("plans")[0].GetProperty("plan").GetString());
        using (await RunJsonAsync("plans", "remove", "nightly")) { }
        (code, _, stderr) = await RunAsync("plans", "show", "nightly");
        Assert.NotEqual(0, code);
        Assert.Contains("plan 'nightly' not found", stderr);
    }

    private async Task<JsonDocument> RunJsonAsync(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync([.. args, "--json"]);
        Assert.True(code == 0, $"offsafe {string.Join(' ', args)} exited {code}: {stderr}");
        return JsonDocument.Parse(stdout);
    }

    private async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var r = await OffsafeProcess.RunAsync(null, [.. args, "--store", _root], TimeSpan.FromSeconds(120));
        return (r.ExitCode, r.Stdout, r.Stderr);
    }
}
