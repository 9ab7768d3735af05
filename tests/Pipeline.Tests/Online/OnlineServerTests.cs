using System.Text.Json;
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
        var run = await Cli.OffsafeProcess.RunAsync(null, ["online", "--env", "navigation1", "--algo", "recovery", "--episodes", "2", "--seed", "1",
            "--server", url, "--model", adapted, "--offline-transitions", "200", "--pretrain-steps", "20", "--hidden", "16,16", "--batch-size", "16",
            "--store", store, "--json"], TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.Equal("nav-mesa-adapted@1", doc.RootElement.GetProperty("critic").GetString());
        Assert.Equal("recovery", doc.RootElement.GetProperty("results")[0].GetProperty("method").GetString());
        Assert.True(doc.RootElement.GetProperty("steps").GetInt64() > 0);
        Assert.False(Directory.Exists(Path.Combine(store, "models")));

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
