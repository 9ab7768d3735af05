using System.Diagnostics;
using System.Text.Json;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Storage;
using OfflineSafety.Testing;
using Xunit.Abstractions;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>
/// Step 9, deliverable 3: every store and registry command of the real `offsafe` executable against
/// `--store az://...` on a real Azurite, credentials in the child's environment only.
/// </summary>
public sealed class AzureStoreCliTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>, IDisposable
{
    private const string TestVariant = "b1=2.000,b2=2.000";   // navigation1's held-out variant ("auto")
    private readonly TempDirectory _work = new();
    private readonly string _store = azurite.NewContainerAddress();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Generate_ingest_datasets_train_adapt_models_online_and_demo_run_on_a_blob_container()
    {
        using (var generated = await RunJsonAsync("generate", "--env", "navigation1", "--variants", "3", "--transitions", "200",
            "--test-transitions", "100", "--seed", "1", "--dataset", "nav"))
            Assert.Equal(1, generated.RootElement.GetProperty("version").GetInt64());

        File.WriteAllText(Path.Combine(_work.Path, "light.csv"), "episode_id,obs_0,obs_1,action_0,reward,cost\n1,0,0,1,1,0\n1,1,0,1,1,0\n1,2,0,1,1,3\n");
        File.WriteAllText(Path.Combine(_work.Path, "heavy.csv"), "episode_id,obs_0,obs_1,action_0,reward,cost\n7,0,0,1,1,0\n7,0,1,1,1,0\n");
        using (var ingested = await RunJsonAsync("ingest", "light.csv", "--dataset", "robot", "--create", "--env", "Robot", "--allow-unknown-env", "--variant", "light"))
        {
            Assert.Equal(3, ingested.RootElement.GetProperty("rows").GetInt64());
            Assert.Equal(1, ingested.RootElement.GetProperty("unsafe").GetInt64());
        }
        long heavyRows;
        using (var ingested = await RunJsonAsync("ingest", "heavy.csv", "--dataset", "robot", "--variant", "heavy"))
            heavyRows = ingested.RootElement.GetProperty("rows").GetInt64();

        using (var list = await RunJsonAsync("datasets", "list"))
            Assert.Equal(["nav", "robot"], list.RootElement.GetProperty("datasets").EnumerateArray().Select(d => d.GetProperty("name").GetString()));
        using (var show = await RunJsonAsync("datasets", "show", "nav"))
        {
            Assert.Equal(3 * 200 + 100, show.RootElement.GetProperty("total").GetProperty("rows").GetInt64());
            Assert.Contains(TestVariant, show.RootElement.GetProperty("variants").EnumerateArray().Select(v => v.GetProperty("key").GetString()));
        }
        using (var show = await RunJsonAsync("datasets", "show", "robot@1"))
            Assert.Equal(3, show.RootElement.GetProperty("total").GetProperty("rows").GetInt64());
        using (await RunJsonAsync("datasets", "delete", "robot", "--where", "variant=light")) { }
        using (var history = await RunJsonAsync("datasets", "history", "robot"))
            Assert.Equal([0L, 1L, 2L, 3L], history.RootElement.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt64()));
        var check = await RunAsync("datasets", "check", "robot", "--json");
        Assert.True(check.ExitCode == 0, check.Stderr);
        Assert.Contains("clean", check.Stderr);
        using (var vacuum = await RunJsonAsync("datasets", "vacuum", "robot", "--retain-hours", "0"))
            Assert.Single(vacuum.RootElement.GetProperty("deleted").EnumerateArray());   // the light file the delete removed
        using (var show = await RunJsonAsync("datasets", "show", "robot"))
            Assert.Equal(heavyRows, show.RootElement.GetProperty("total").GetProperty("rows").GetInt64());
        Lap("generate, ingest, datasets *");

        using (var mesa = await RunJsonAsync("meta-train", "--dataset", "nav@1", "--algo", "mesa", "--exclude-variant", TestVariant,
            "--model", "nav-mesa", "--steps", "3", "--batch-size", "16", "--arch", "8,8", "--seed", "4"))
            Assert.Equal("nav-mesa@1", mesa.RootElement.GetProperty("model").GetString());
        using (var adapt = await RunJsonAsync("adapt", "--model", "nav-mesa", "--dataset", "nav", "--variant", TestVariant, "--steps", "4",
            "--batch-size", "8", "--model-out", "nav-adapted"))
            Assert.Equal("nav-adapted@1", adapt.RootElement.GetProperty("model").GetString());
        using (var list = await RunJsonAsync("models", "list"))
            Assert.Equal(["nav-adapted@1", "nav-mesa@1"], list.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("model").GetString()).Order(StringComparer.Ordinal));
        using (var show = await RunJsonAsync("models", "show", "nav-adapted"))
            Assert.Equal("nav-mesa@1", show.RootElement.GetProperty("baseModel").GetString());
        string onnx = Path.Combine(_work.Path, "nav-adapted.onnx");
        using (var export = await RunJsonAsync("models", "export", "nav-adapted@1", "--format", "onnx", "--output", onnx))
            Assert.Equal(new FileInfo(onnx).Length, export.RootElement.GetProperty("bytes").GetInt64());
        Lap("meta-train, adapt, models *");

        using (var online = await RunJsonAsync("online", "--env", "navigation2", "--algo", "lr", "--episodes", "2", "--seed", "1",
            "--offline-transitions", "200", "--pretrain-steps", "20", "--hidden", "16,16", "--batch-size", "16"))
            Assert.Equal("online-navigation2@1", online.RootElement.GetProperty("dataset").GetString());
        Lap("online");

        string report;
        using (var demo = await RunJsonAsync("demo", "--quick"))
        {
            Assert.Equal("demo-mesa-adapted@1", demo.RootElement.GetProperty("model").GetString());
            report = demo.RootElement.GetProperty("report").GetString()!;
        }
        Lap("demo --quick");

        // Everything landed in the container; nothing in the working folder but the inputs and the export.
        var objects = azurite.Open(_store);
        Assert.StartsWith(_store + "/runs/demo-", report);
        Assert.Contains("| recovery |", System.Text.Encoding.UTF8.GetString(await objects.ReadAsync(report[(_store.Length + 1)..])));
        Assert.Equal(["demo-online", "demo-suite", "nav", "online-navigation2", "robot"], await new DatasetStore(objects).ListAsync());
        Assert.Equal(["demo-mesa", "demo-mesa-adapted", "nav-adapted", "nav-mesa"], (await new ModelRegistry(objects).ListNamesAsync()).Order(StringComparer.Ordinal));
        Assert.Equal(["heavy.csv", "light.csv", "nav-adapted.onnx"],
            Directory.EnumerateFileSystemEntries(_work.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private void Lap(string stage) => output.WriteLine($"{_clock.Elapsed.TotalSeconds:F1} s after {stage}");

    private async Task<JsonDocument> RunJsonAsync(params string[] args)
    {
        var r = await RunAsync([.. args, "--json"]);
        Assert.True(r.ExitCode == 0, $"offsafe {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr}");
        return JsonDocument.Parse(r.Stdout);
    }

    private Task<OffsafeProcess.Result> RunAsync(params string[] args) =>
        OffsafeProcess.RunAsync(_work.Path, [.. args, "--store", _store], TimeSpan.FromMinutes(2), azurite.Environment);
}
