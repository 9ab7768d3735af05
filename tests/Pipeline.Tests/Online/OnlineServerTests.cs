using System.Text.Json;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Serve;
using OfflineSafety.Serve.Client;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Pipeline.Tests.Online;

/// <summary>`offsafe online --server URL` as a child process against the critic service on a loopback port.</summary>
public sealed class OnlineServerTests
{
    [Fact]
    public async Task Online_with_server_learns_with_the_critic_it_fetched_from_the_service()
    {
        using var root = new TempDirectory();
        var settings = new ServeSettings { Store = Path.Combine(root.Path, "server"), ApiKey = "k1", SpoolFolder = Path.Combine(root.Path, "spool") };
        await using var app = ServeApp.Build(settings, ["http://127.0.0.1:0"]);
        await app.StartAsync();
        string url = app.Urls.First();

        // The service's side: logs uploaded, a MESA critic meta-trained on them, adapted over HTTP.
        string adapted;
        using (var client = new ServeClient(new ServeClientOptions { Transport = new DirectTransport(new Uri(url)), ApiKey = "k1" }))
        {
            string samples = RepositoryRoot.Combine("datasets", "navigation1-accidents");
            await client.UploadAsync("nav", Path.Combine(samples, "accidents.csv"), LogFormat.Csv, new UploadOptions { Env = "navigation1", Variant = "a" });
            await client.UploadAsync("nav", Path.Combine(samples, "accidents.jsonl"), LogFormat.Jsonl, new UploadOptions { Variant = "b" });
            await new MetaTrainingJob(StoreLocation.Open(settings.Store)).RunAsync(new MetaTrainingRequest
            {
                Dataset = "nav", Algorithm = "mesa", Model = "nav-mesa", Steps = 3, BatchSize = 8, Architecture = "8,8",
            });
            adapted = (await client.AdaptAsync("nav-mesa", new AdaptRequest(new AdaptData.StoredDataset("nav", "a")) { Steps = 5 })).Model;
        }

        // The job's side: another store, which holds no model; the critic comes from the service.
        string store = Path.Combine(root.Path, "job");
        // It sends back what happened: the run's transitions, uploaded once at the end (the key in an environment variable).
        var run = await Cli.OffsafeProcess.RunAsync(null, ["online", "--env", "navigation1", "--algo", "recovery", "--episodes", "2", "--seed", "1",
            "--server", url, "--model", adapted, "--offline-transitions", "200", "--pretrain-steps", "20", "--hidden", "16,16", "--batch-size", "16",
            "--upload-dataset", "nav-online", "--api-key-env", "OFFSAFE_TEST_SERVE_KEY", "--store", store, "--json"], TimeSpan.FromMinutes(2),
            new Dictionary<string, string> { ["OFFSAFE_TEST_SERVE_KEY"] = "k1" });
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.Equal("nav-mesa-adapted@1", doc.RootElement.GetProperty("critic").GetString());
        Assert.Equal("recovery", doc.RootElement.GetProperty("results")[0].GetProperty("method").GetString());
        long steps = doc.RootElement.GetProperty("steps").GetInt64();
        Assert.True(steps > 0);
        Assert.False(Directory.Exists(Path.Combine(store, "models")));

        // The uploaded version holds every transition the run collected: as many rows as steps, the
        // same rows the job recorded locally, labelled with the run's variant and id.
        string runId = doc.RootElement.GetProperty("runId").GetString()!;
        var uploaded = doc.RootElement.GetProperty("uploaded");
        Assert.Equal(("nav-online", 1L, true, steps), (uploaded.GetProperty("dataset").GetString(), uploaded.GetProperty("version").GetInt64(),
            uploaded.GetProperty("committed").GetBoolean(), uploaded.GetProperty("rows").GetInt64()));
        Assert.Equal($"offsafe-online:{runId}", uploaded.GetProperty("idempotencyKey").GetString());
        var local = await new DatasetStore(StoreLocation.Open(store)).ReadAsync(DatasetReference.Parse(doc.RootElement.GetProperty("dataset").GetString()!));
        Assert.Equal(steps, local.Count);
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        using var stats = JsonDocument.Parse(await http.GetStringAsync("/v1/datasets/nav-online"));
        Assert.Equal(steps, stats.RootElement.GetProperty("total").GetProperty("rows").GetInt64());
        var serverRows = await new DatasetStore(StoreLocation.Open(settings.Store)).ReadAsync(DatasetReference.Parse("nav-online@1"));
        Assert.Equal(steps, serverRows.Count);
        Assert.All(serverRows.Source.ToArray(), s => Assert.Equal(runId, s));
        Assert.All(serverRows.Variant.ToArray(), v => Assert.Equal(doc.RootElement.GetProperty("variant").GetString(), v));
        Assert.Equal(local.Reward.ToArray(), serverRows.Reward.ToArray());

        // Sending the same rows again under the run's key (a retry after a lost answer) makes no second version.
        using (var client = new ServeClient(new ServeClientOptions { Transport = new DirectTransport(new Uri(url)), ApiKey = "k1" }))
        {
            var again = await client.UploadAsync("nav-online", local, new UploadOptions
            {
                Env = "navigation1", Variant = doc.RootElement.GetProperty("variant").GetString(), Source = runId, IdempotencyKey = $"offsafe-online:{runId}",
            });
            Assert.Equal((1L, false), (again.Version, again.Committed));
            // The key is the run's: other rows under it are refused, not committed as a second version.
            await Assert.ThrowsAsync<OfflineSafety.Errors.ConflictException>(() => client.UploadAsync("nav-online", local.Where(i => i % 2 == 0),
                new UploadOptions { Variant = doc.RootElement.GetProperty("variant").GetString(), Source = runId, IdempotencyKey = $"offsafe-online:{runId}" }));
        }

        // An upload needs the service's key: without one the run's rows stay in the local store, and the command says where.
        var noKey = await Cli.OffsafeProcess.RunAsync(null, ["online", "--env", "navigation1", "--algo", "recovery", "--episodes", "1",
            "--server", url, "--model", adapted, "--offline-transitions", "50", "--pretrain-steps", "5", "--hidden", "8,8", "--batch-size", "8",
            "--upload-dataset", "nav-online", "--store", store], TimeSpan.FromMinutes(2));
        Assert.Equal(1, noKey.ExitCode);
        Assert.Contains("API key", noKey.Stderr);
        Assert.Contains("recorded locally as online-navigation1@2", noKey.Stderr);
        var upload = await Cli.OffsafeProcess.RunAsync(null, ["online", "--env", "navigation1", "--algo", "recovery", "--episodes", "1",
            "--upload-dataset", "nav-online", "--store", store], TimeSpan.FromMinutes(1));
        Assert.Equal(1, upload.ExitCode);
        Assert.Contains("--upload-dataset needs --server", upload.Stderr);

        // A critic the service does not have is the service's one-line 404, exit 1; so is --server without a critic.
        var missing = await Cli.OffsafeProcess.RunAsync(null, ["online", "--env", "navigation1", "--algo", "recovery", "--episodes", "1",
            "--server", url, "--critic", "nope", "--offline-transitions", "50", "--store", store], TimeSpan.FromMinutes(1));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("model 'nope' not found", missing.Stderr);
        var noCritic = await Cli.OffsafeProcess.RunAsync(null, ["online", "--env", "navigation1", "--algo", "recovery", "--episodes", "1",
            "--server", url, "--store", store], TimeSpan.FromMinutes(1));
        Assert.Equal(1, noCritic.ExitCode);
        Assert.Contains("--server needs --critic", noCritic.Stderr);
        await app.StopAsync();
    }
}
