using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Serve.Tests;
using OfflineSafety.Storage;

namespace OfflineSafety.Serve.Client.Tests;

/// <summary>Every client call against the real service on loopback (Kestrel), directly and through a faulty proxy.</summary>
public sealed class ServeClientTests
{
    private static ServeClient ClientFor(Uri server, string? apiKey = ServeHost.Key, int maxRetries = 4) => new(new ServeClientOptions
    {
        Transport = new DirectTransport(server),
        ApiKey = apiKey,
        MaxRetries = maxRetries,
        RetryDelay = TimeSpan.FromMilliseconds(20),
    });

    private static UploadOptions Labels(string variant, string? env = null) => new() { Env = env, Variant = variant, Source = "robot-7" };

    /// <summary>Two variants uploaded through the client, then a small MESA critic meta-trained on them in-process.</summary>
    private static async Task MetaTrainAsync(ServeHost host, ServeClient client)
    {
        var first = await client.UploadAsync("nav", ServeHost.Sample("accidents.csv"), LogFormat.Csv, Labels("a", "navigation1"));
        Assert.Equal(("nav", 1L, true), (first.Dataset, first.Version, first.Committed));
        Assert.True(first.Rows > 0 && first.Unsafe > 0, $"{first}");
        var second = await client.UploadAsync("nav", ServeHost.Sample("accidents.jsonl"), LogFormat.Jsonl, Labels("b"));
        Assert.Equal(2, second.Version);
        await new MetaTrainingJob(StoreLocation.Open(host.StorePath)).RunAsync(new MetaTrainingRequest
        {
            Dataset = "nav", Algorithm = "mesa", Model = "nav-mesa", Steps = 3, BatchSize = 8, Architecture = "8,8",
        });
    }

    private static (float[][] Obs, float[][] Action) RandomPairs(int n, int seed)
    {
        var random = new Random(seed);
        float[][] obs = [.. Enumerable.Range(0, n).Select(_ => new[] { random.NextSingle() * 200 - 100, random.NextSingle() * 20 - 10 })];
        float[][] action = [.. Enumerable.Range(0, n).Select(_ => new[] { random.NextSingle() * 2 - 1, random.NextSingle() * 2 - 1 })];
        return (obs, action);
    }

    [Fact]
    public async Task Upload_meta_train_adapt_fetch_and_local_scores_equal_the_services_exactly()
    {
        await using var host = await ServeHost.StartAsync();
        using var client = ClientFor(host.BaseAddress);
        await MetaTrainAsync(host, client);

        var card = await client.GetModelAsync("nav-mesa");
        Assert.Equal("nav-mesa@1", card.Reference);
        Assert.Equal("nav@2", card.Lineage.Dataset.ToString());

        // Adapt to a stored variant, and to rows the job sends along (read back from the store here).
        var adapted = await client.AdaptAsync("nav-mesa", new AdaptRequest(new AdaptData.StoredDataset("nav", "a")) { Steps = 5, Seed = 1, Model = "nav-robot7" });
        Assert.Equal(("nav-robot7@1", "nav-mesa@1", false), (adapted.Model, adapted.BaseModel, adapted.Cached));
        Assert.True(adapted.Metrics.ContainsKey("adapt_loss"));
        var again = await client.AdaptAsync("nav-mesa@1", new AdaptRequest(new AdaptData.StoredDataset("nav@2", "a")) { Steps = 5, Seed = 1, Model = "nav-robot7" });
        Assert.Equal(("nav-robot7@1", true), (again.Model, again.Cached));
        var rows = await new DatasetStore(StoreLocation.Open(host.StorePath)).ReadAsync(DatasetReference.Parse("nav@1"), "a");
        var inline = await client.AdaptAsync("nav-mesa", new AdaptRequest(new AdaptData.Inline(rows, "a")) { Steps = 5, Seed = 1 });
        Assert.Equal("nav-mesa-adapted@1", inline.Model);

        var fetched = await client.FetchCriticAsync(adapted.Model);
        Assert.Equal("nav-robot7@1", fetched.Card.Reference);
        Assert.Equal(card.Reference, fetched.Card.Lineage.BaseModel);
        var (obs, action) = RandomPairs(100, 5);
        var remote = await client.EvaluateAsync(adapted.Model, obs, action);
        var local = new float[100];
        fetched.Critic.Score(obs.SelectMany(o => o).ToArray(), action.SelectMany(a => a).ToArray(), 100, local);
        // Exact: the same weights through the same float32 code, and JSON carries each float32 in
        // its shortest round-tripping text, so nothing is lost on the wire.
        Assert.Equal(local, remote.QRisk);
        Assert.Equal(local.Select(r => r > fetched.Card.EpsRisk), remote.Unsafe);
        Assert.Equal(fetched.Card.EpsRisk, remote.Eps);

        var filter = await client.FilterAsync(adapted.Model, obs[0], action[..8], seed: 1);
        var candidateRisk = new float[8];
        fetched.Critic.Score(Enumerable.Repeat(obs[0], 8).SelectMany(o => o).ToArray(), action[..8].SelectMany(a => a).ToArray(), 8, candidateRisk);
        Assert.Equal(candidateRisk, filter.QRisk);
        if (candidateRisk.Any(r => r <= filter.Eps))
        {
            Assert.Equal("candidate", filter.Chose);
            Assert.True(candidateRisk[filter.Index!.Value] <= filter.Eps);
            Assert.Equal(action[filter.Index.Value], filter.Action);
        }
        else
        {
            Assert.Equal(fetched.Recovery is null ? "least_risky" : "recovery", filter.Chose);
        }
    }

    [Fact]
    public async Task Service_errors_arrive_as_user_errors_with_the_services_detail()
    {
        await using var host = await ServeHost.StartAsync();
        using var client = ClientFor(host.BaseAddress);
        var missing = await Assert.ThrowsAsync<NotFoundException>(() => client.GetModelAsync("nope"));
        Assert.Contains("model 'nope' not found", missing.Message);
        await Assert.ThrowsAsync<NotFoundException>(() => client.FetchCriticAsync("nope@3"));
        await Assert.ThrowsAsync<NotFoundException>(() => client.AdaptAsync("nope", new AdaptRequest(new AdaptData.StoredDataset("nav", "a"))));

        using var keyless = ClientFor(host.BaseAddress, apiKey: null);
        var unauthorized = await Assert.ThrowsAsync<BadInputException>(() =>
            keyless.UploadAsync("nav", ServeHost.Sample("accidents.csv"), LogFormat.Csv, Labels("a", "navigation1")));
        Assert.Contains("X-Api-Key", unauthorized.Message);
        var badEnv = await Assert.ThrowsAsync<BadInputException>(() =>
            client.UploadAsync("nav", ServeHost.Sample("accidents.csv"), LogFormat.Csv, Labels("a", "mars")));
        Assert.Contains("unknown environment", badEnv.Message);
        // A model name that could escape the store is refused before any request.
        await Assert.ThrowsAsync<BadInputException>(() => client.GetModelAsync("../etc"));
        await Assert.ThrowsAsync<NotFoundException>(() => client.UploadAsync("nav", "/no/such/log.csv", LogFormat.Csv, Labels("a")));
        Assert.Empty(await new DatasetStore(StoreLocation.Open(host.StorePath)).ListAsync());
    }

    [Fact]
    public async Task Transient_failures_are_retried_a_lost_upload_answer_makes_one_version_and_a_400_is_sent_once()
    {
        await using var host = await ServeHost.StartAsync();
        await using var proxy = await FaultProxy.StartAsync(host.BaseAddress);
        using var client = ClientFor(proxy.Address);

        // The first two attempts of the first upload meet a 503; the third commits.
        proxy.Faults = (i, _) => i < 2 ? Fault.Unavailable : Fault.None;
        var first = await client.UploadAsync("nav", ServeHost.Sample("accidents.csv"), LogFormat.Csv, Labels("a", "navigation1"));
        Assert.Equal((1L, true), (first.Version, first.Committed));
        Assert.Equal(3, proxy.Requests.Count);
        Assert.Single(proxy.Requests.Select(r => r.IdempotencyKey).Distinct());

        // The service commits the next upload but its answer is lost: the retry carries the same key
        // and is answered with that commit, not a second one.
        proxy.Faults = (i, _) => i == 3 ? Fault.LoseAnswer : Fault.None;
        var second = await client.UploadAsync("nav", ServeHost.Sample("accidents.jsonl"), LogFormat.Jsonl, Labels("b"));
        Assert.Equal((2L, false), (second.Version, second.Committed));
        var retried = proxy.Requests.Skip(3).ToList();
        Assert.Equal([Fault.LoseAnswer, Fault.None], retried.Select(r => r.Fault));
        Assert.Equal(second.IdempotencyKey, Assert.Single(retried.Select(r => r.IdempotencyKey).Distinct()));
        var history = await new DatasetInspection(new DatasetStore(StoreLocation.Open(host.StorePath))).HistoryAsync("nav");
        // Version 0 created the table; 1 and 2 are the two uploads, and nothing came after.
        Assert.Equal([0L, 1L, 2L], history.Select(h => h.Version).Order());

        await new MetaTrainingJob(StoreLocation.Open(host.StorePath)).RunAsync(new MetaTrainingRequest
        {
            Dataset = "nav", Algorithm = "multitask", Model = "nav-base", Steps = 2, BatchSize = 8, Architecture = "8,8",
        });
        // Reads and pure POSTs are retried too; a 400 is the same answer every time and is sent once.
        int before = proxy.Requests.Count, faulty = before;
        proxy.Faults = (i, _) => i == faulty ? Fault.Unavailable : Fault.None;
        var (obs, action) = RandomPairs(4, 1);
        Assert.Equal(4, (await client.EvaluateAsync("nav-base", obs, action)).QRisk.Length);
        Assert.Equal(2, proxy.Requests.Count - before);
        before = proxy.Requests.Count;
        var bad = await Assert.ThrowsAsync<BadInputException>(() => client.EvaluateAsync("nav-base", [[1f, 2f, 3f]], [[0f, 0f]]));
        Assert.Contains("'obs[0]' has 3 values", bad.Message);
        Assert.Equal(1, proxy.Requests.Count - before);
    }

    [Fact]
    public async Task A_service_that_stays_unavailable_is_an_io_error_after_the_retries()
    {
        await using var host = await ServeHost.StartAsync();
        await using var proxy = await FaultProxy.StartAsync(host.BaseAddress);
        proxy.Faults = (_, _) => Fault.Unavailable;
        using var client = ClientFor(proxy.Address, maxRetries: 2);
        var error = await Assert.ThrowsAsync<IOException>(() => client.GetModelAsync("nav-base"));
        Assert.Contains("503", error.Message);
        Assert.Equal(3, proxy.Requests.Count);

        // Nothing listening: connection refused, retried, then reported as the same kind of error.
        var closed = new Uri($"http://127.0.0.1:{proxy.Port}/");
        await proxy.DisposeAsync();
        using var nowhere = ClientFor(closed, maxRetries: 1);
        await Assert.ThrowsAsync<IOException>(() => nowhere.GetModelAsync("nav-base"));
    }

    [Fact]
    public async Task Dapr_transport_invokes_the_app_through_the_sidecar_path_with_its_token()
    {
        await using var host = await ServeHost.StartAsync();
        // The proxy stands where the sidecar does: /v1.0/invoke/{app-id}/method/{path} -> the app's /{path}.
        await using var sidecar = await FaultProxy.StartAsync(host.BaseAddress, "/v1.0/invoke/offsafe-serve/method");
        using var client = new ServeClient(new ServeClientOptions
        {
            Transport = new DaprTransport("offsafe-serve", sidecar.Port, "sidecar-token"),
            ApiKey = ServeHost.Key,
        });
        var upload = await client.UploadAsync("nav", ServeHost.Sample("accidents.csv"), LogFormat.Csv, Labels("a", "navigation1"));
        Assert.Equal(1, upload.Version);
        await Assert.ThrowsAsync<NotFoundException>(() => client.GetModelAsync("nav-base"));
        Assert.Equal(["/v1/datasets/nav/uploads", "/v1/models/nav-base"], sidecar.Requests.Select(r => r.Path));
        Assert.All(sidecar.Requests, r => Assert.Equal("sidecar-token", r.DaprToken));

        Assert.Equal(new Uri("http://127.0.0.1:3500/v1.0/invoke/offsafe-serve/method/"), new DaprTransport("offsafe-serve").BaseAddress);
        Assert.Equal("offsafe-serve", Assert.IsType<DaprTransport>(ServeTransport.Parse("dapr://offsafe-serve")).AppId);
        Assert.IsType<DirectTransport>(ServeTransport.Parse("http://127.0.0.1:8080"));
        Assert.Equal(new Uri("http://gw.local/offsafe/"), ServeTransport.Parse("http://gw.local/offsafe").BaseAddress);
        Assert.Throws<BadInputException>(() => ServeTransport.Parse("ftp://x"));
        Assert.Throws<BadInputException>(() => ServeTransport.Parse("dapr://Bad_Id"));
    }
}
