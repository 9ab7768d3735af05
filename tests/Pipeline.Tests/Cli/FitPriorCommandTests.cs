using System.Text.Json;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Storage;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>fit-prior and the registry commands on a prior, as real processes against a temp store.</summary>
public sealed class FitPriorCommandTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offsafe-prior-cli-tests", Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        var store = new DatasetStore(new LocalObjectStore(_root));
        // mixed: walkers toward a wall at x = 1; some reach the goal at x < -1 (success), some hit the wall (violation).
        await store.CreateAsync("mixed", new DatasetMetadata("wall-walk", 1, 1) { ActionLow = [-1f], ActionHigh = [1f] });
        await store.CreateAsync("calm", new DatasetMetadata("wall-walk", 1, 1) { ActionLow = [-1f], ActionHigh = [1f] });
        await store.CreateAsync("reckless", new DatasetMetadata("wall-walk", 1, 1) { ActionLow = [-1f], ActionHigh = [1f] });
        var mixed = new TransitionBatch(1, 1);
        var calm = new TransitionBatch(1, 1);
        var reckless = new TransitionBatch(1, 1);
        for (int e = 0; e < 40; e++)
        {
            float x = 0f;
            float direction = e % 3 == 0 ? 1f : -1f;
            for (int s = 0; s < 8; s++)
            {
                float a = direction * (0.3f + 0.05f * ((e + s) % 4));
                float next = x + a;
                bool violation = next > 1f, success = next < -1f;
                mixed.Add(e, s, "v", "test", [x], [a], [next], success ? 1 : -1, violation ? 1 : 0, violation, violation || success, false);
                if (!violation) calm.Add(e, s, "v", "test", [x], [a], [next], -1, 0, false, success, false);
                reckless.Add(e, s, "v", "test", [x], [a], [next], -1, violation ? 1 : 0, violation, violation, false);
                if (violation || success) break;
                x = next;
            }
        }
        await store.AppendAsync("mixed", mixed);
        await store.AppendAsync("calm", calm);
        await store.AppendAsync("reckless", reckless);
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Fit_publish_list_and_show_a_prior()
    {
        using (var fit = await RunJsonAsync("fit-prior", "--dataset", "mixed@1", "--model", "walk-safer", "--steps", "40", "--batch-size", "16",
            "--context-size", "2", "--window", "4", "--lambda", "0.2", "--optimizer", "adam", "--seed", "3"))
        {
            var root = fit.RootElement;
            Assert.Equal("walk-safer@1", root.GetProperty("model").GetString());
            Assert.Equal("safer", root.GetProperty("algorithm").GetString());
            Assert.True(root.GetProperty("safeExamples").GetInt32() > 0);
            Assert.True(root.GetProperty("unsafeExamples").GetInt32() > 0);
            Assert.True(root.GetProperty("eta").GetDouble() > 0);
        }
        using (await RunJsonAsync("fit-prior", "--dataset", "mixed", "--model", "walk-parrot", "--variant-of", "parrot", "--steps", "10", "--batch-size", "8")) { }
        using (var list = await RunJsonAsync("models", "list"))
        {
            var models = list.RootElement.GetProperty("models").EnumerateArray().ToArray();
            Assert.Equal(["walk-parrot@1", "walk-safer@1"], models.Select(m => m.GetProperty("model").GetString()));
            Assert.All(models, m => Assert.Equal("skill-prior", m.GetProperty("kind").GetString()));
        }
        using (var show = await RunJsonAsync("models", "show", "walk-safer"))
        {
            var root = show.RootElement;
            Assert.Equal("mixed@1", root.GetProperty("dataset").GetString());
            var prior = root.GetProperty("prior");
            Assert.Equal(2, prior.GetProperty("contextSize").GetInt32());
            Assert.Equal(4, prior.GetProperty("windowLength").GetInt32());
            Assert.Equal("Safer", prior.GetProperty("variant").GetString());
            Assert.Equal(0.2, root.GetProperty("trainingConfig").GetProperty("lambda").GetDouble(), 6);
        }
        var (code, stdout, _) = await RunAsync("models", "show", "walk-parrot");
        Assert.Equal(0, code);
        Assert.Contains("safety bound eta", stdout);
        (code, _, _) = await RunAsync("models", "check");
        Assert.Equal(0, code);
        // A prior is no critic: exporting it as ONNX is refused in one line.
        (code, _, var stderr) = await RunAsync("models", "export", "walk-safer", "--output", Path.Combine(_root, "x.onnx"));
        Assert.Equal(1, code);
        Assert.Contains("not a safety critic", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("calm", "dataset calm@1: no unsafe rows (no row has unsafe = true); a SAFER prior needs examples of violations")]
    [InlineData("reckless", "dataset reckless@1: no safe rows (none of its 40 episodes ends in success without a violation)")]
    public async Task A_dataset_without_unsafe_or_safe_rows_is_refused_in_one_line(string dataset, string reason)
    {
        var (code, stdout, stderr) = await RunAsync("fit-prior", "--dataset", dataset, "--model", "m", "--steps", "5");
        Assert.Equal(1, code);
        Assert.Equal("", stdout.Trim());
        Assert.Equal($"offsafe: {reason}", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Trim());
    }

    [Fact]
    public async Task A_bad_setting_is_refused_in_one_line()
    {
        var (code, _, stderr) = await RunAsync("fit-prior", "--dataset", "mixed", "--model", "m", "--context-size", "0");
        Assert.Equal(1, code);
        Assert.Equal("offsafe: --context-size: safer needs a context of at least 1 dimension", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Trim());
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
