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
        await store.AppendAsync("walk", Rows(0));
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

    [Fact]
    public async Task Two_scheduler_processes_on_one_store_never_run_a_plan_twice_at_once()
    {
        // Every second, and long enough to train that two runs would overlap without the lease.
        using (await RunJsonAsync(["plans", "add", "busy", .. Training[..^6], "--steps", "300", "--batch-size", "8", "--arch", "8,8", "--cron", "* * * * * ?"])) { }
        string[] scheduler = ["scheduler", "--poll-seconds", "0.3", "--store", _root];
        var a = OffsafeProcess.RunForAsync(scheduler, TimeSpan.FromSeconds(12));
        var b = OffsafeProcess.RunForAsync(scheduler, TimeSpan.FromSeconds(12));
        await Task.Delay(TimeSpan.FromSeconds(5));
        await new DatasetStore(new LocalObjectStore(_root)).AppendAsync("walk", Rows(40));
        var logs = await Task.WhenAll(a, b);

        using var list = await RunJsonAsync("runs", "list", "--plan", "busy");
        var runs = list.RootElement.GetProperty("runs").EnumerateArray()
            .Where(r => r.GetProperty("state").GetString() is "succeeded" or "failed" or "running")
            .Select(r => (Id: r.GetProperty("id").GetString()!, State: r.GetProperty("state").GetString()!, Worker: r.GetProperty("worker").GetString()!,
                Start: r.GetProperty("started_utc").GetDateTimeOffset(),
                // A run still in flight when its scheduler was stopped has "ended_utc": null.
                End: r.TryGetProperty("ended_utc", out var e) && e.ValueKind == JsonValueKind.String ? e.GetDateTimeOffset() : DateTimeOffset.MaxValue))
            .OrderBy(r => r.Start).ToArray();
        string context = string.Join("\n", logs.Select(l => l.Stderr));
        // Both schedulers fire the same cron occurrences (one run id each); each data version is trained exactly once.
        Assert.True(runs.Count(r => r.State == "succeeded") == 2, context);
        Assert.Equal(0, (await RunAsync("models", "show", "walk-critic@2")).Code);
        Assert.Equal(1, (await RunAsync("models", "show", "walk-critic@3")).Code);
        for (int i = 1; i < runs.Length; i++)
            Assert.True(runs[i].Start >= runs[i - 1].End, $"{runs[i].Id} ({runs[i].Worker}) started before {runs[i - 1].Id} ({runs[i - 1].Worker}) ended");
    }

    private static TransitionBatch Rows(int episodeBase)
    {
        var b = new TransitionBatch(1, 1);
        for (int e = episodeBase; e < episodeBase + 20; e++)
            for (int t = 0; t < 8; t++)
            {
                bool hit = e % 2 == 0 && t == 7;
                b.Add(e, t, e < episodeBase + 10 ? "g1" : "g2", "sim", [t * 0.1f], [0.5f], [(t + 1) * 0.1f], 0, hit ? 1 : 0, hit, t == 7, false);
            }
        return b;
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
