using System.Diagnostics;
using System.Text.Json;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Export;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Storage;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>meta-train, adapt, eval-critic and models run as real processes against a temp store.</summary>
public sealed class CriticCommandsTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offsafe-critic-cli-tests", Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        var store = new DatasetStore(new LocalObjectStore(_root));
        await store.CreateAsync("walk", new DatasetMetadata("wall-walk", 1, 1) { ActionLow = [-1f], ActionHigh = [1f] });
        var batch = new TransitionBatch(1, 1);
        long episode = 0;
        foreach (var (variant, gain) in new[] { ("g1", 0.3f), ("g2", 0.5f), ("g3", 0.7f), ("test", 0.9f) })
            for (int e = 0; e < 30; e++, episode++)
            {
                float x = -1f + 1.8f * ((e * 7) % 30) / 30f;
                for (int s = 0; s < 6; s++)
                {
                    float a = ((e + s) % 5 - 2) / 2f;
                    float next = x + gain * a;
                    bool violation = next > 1f;
                    batch.Add(episode, s, variant, "test", [x], [a], [next], 0, violation ? 1 : 0, violation, violation, false);
                    if (violation) break;
                    x = next;
                }
            }
        await store.AppendAsync("walk", batch);
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Train_adapt_evaluate_and_inspect_with_lineage()
    {
        using (var mesa = await RunJsonAsync("meta-train", "--dataset", "walk@1", "--algo", "mesa", "--exclude-variant", "test",
            "--model", "walk-mesa", "--steps", "3", "--batch-size", "16", "--arch", "8,8", "--seed", "4"))
        {
            Assert.Equal("walk-mesa@1", mesa.RootElement.GetProperty("model").GetString());
            Assert.Equal(["g1", "g2", "g3"], mesa.RootElement.GetProperty("variants").EnumerateArray().Select(v => v.GetString()));
        }
        using (var adapt = await RunJsonAsync("adapt", "--model", "walk-mesa", "--dataset", "walk", "--variant", "test", "--steps", "4",
            "--batch-size", "8", "--model-out", "walk-mesa-test"))
            Assert.Equal("walk-mesa-test@1", adapt.RootElement.GetProperty("model").GetString());

        using (var eval = await RunJsonAsync("eval-critic", "--model", "walk-mesa-test@1", "--dataset", "walk", "--variant", "test"))
        {
            var root = eval.RootElement;
            Assert.True(root.GetProperty("rows").GetInt32() > 0);
            double auc = root.GetProperty("auc").GetDouble();
            Assert.InRange(auc, 0, 1);
            Assert.InRange(root.GetProperty("brier").GetDouble(), 0, 1);
            Assert.Equal(10, root.GetProperty("calibration").GetArrayLength());
        }
        using (var show = await RunJsonAsync("models", "show", "walk-mesa-test"))
        {
            var root = show.RootElement;
            Assert.Equal("walk-mesa@1", root.GetProperty("baseModel").GetString());
            Assert.Equal("walk@1", root.GetProperty("dataset").GetString());
            Assert.Equal(["test"], root.GetProperty("variants").EnumerateArray().Select(v => v.GetString()));
            Assert.Equal("adapted", root.GetProperty("algorithm").GetString());
        }
        using (var show = await RunJsonAsync("models", "show", "walk-mesa@1"))
        {
            var config = show.RootElement.GetProperty("trainingConfig");
            Assert.Equal(3, config.GetProperty("meta_iterations").GetInt32());
            Assert.Equal(1e-5, config.GetProperty("outer_learning_rate").GetDouble(), 9);
            Assert.Equal(4, show.RootElement.GetProperty("seed").GetInt32());
        }
        using (var list = await RunJsonAsync("models", "list"))
            Assert.Equal(["walk-mesa@1", "walk-mesa-test@1"], list.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("model").GetString()));
    }

    [Fact]
    public async Task User_errors_are_one_line_on_stderr()
    {
        var (code, stdout, stderr) = await RunAsync("meta-train", "--dataset", "walk", "--algo", "single", "--variants", "nope", "--model", "m");
        Assert.Equal(1, code);
        Assert.Equal("", stdout.Trim());
        Assert.Contains("nope", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        (code, _, stderr) = await RunAsync("models", "show", "missing@2");
        Assert.Equal(1, code);
        Assert.Contains("missing@2", stderr);
    }

    [Fact]
    public async Task Export_writes_onnx_and_the_stored_safetensors()
    {
        using (await RunJsonAsync("meta-train", "--dataset", "walk@1", "--algo", "single", "--variants", "g1",
            "--model", "walk-one", "--steps", "2", "--batch-size", "8", "--arch", "8", "--seed", "1")) { }
        string onnx = Path.Combine(_root, "walk-one.onnx"), weights = Path.Combine(_root, "walk-one.safetensors");
        using (var export = await RunJsonAsync("models", "export", "walk-one@1", "--format", "onnx", "--output", onnx))
            Assert.Equal(new FileInfo(onnx).Length, export.RootElement.GetProperty("bytes").GetInt64());
        using (await RunJsonAsync("models", "export", "walk-one", "--format", "safetensors", "--output", weights)) { }

        var registry = new ModelRegistry(new LocalObjectStore(_root));
        using (var expected = new MemoryStream())
        {
            await new ModelExport(registry).WriteAsync(ModelReference.Parse("walk-one@1"), ModelExportFormat.Onnx, expected);
            Assert.Equal(expected.ToArray(), await File.ReadAllBytesAsync(onnx));
        }
        Assert.Equal(await registry.Objects.ReadAsync(ModelRegistry.WeightsKey("walk-one", 1)), await File.ReadAllBytesAsync(weights));

        // Bad format or unknown model: one line, exit 1, and the earlier file is left as it was.
        var before = await File.ReadAllBytesAsync(onnx);
        foreach (var args in new[] { new[] { "walk-one", "--format", "pt" }, ["missing@1", "--format", "onnx"] })
        {
            var (code, _, stderr) = await RunAsync(["models", "export", .. args, "--output", onnx]);
            Assert.Equal(1, code);
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        Assert.Equal(before, await File.ReadAllBytesAsync(onnx));
        Assert.Empty(Directory.GetFiles(_root, "*.partial"));
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
