using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Serve.Events;
using OfflineSafety.Serve.Sidecar;
using OfflineSafety.Storage;

namespace OfflineSafety.Serve.Tests;

/// <summary>
/// The Dapr contracts, with no daprd here: (a) the app's subscriber endpoints over real loopback
/// HTTP, called as the sidecar calls them (GET /dapr/subscribe, CloudEvent envelopes POSTed to the
/// routes); (b) the app's DaprClient against a loopback gRPC sidecar built from Dapr.Protos.
/// </summary>
public sealed class DaprContractTests
{
    private static JsonElement[] Rows(int take = 60) => File.ReadAllLines(ServeHost.Sample("accidents.jsonl"))
        .Take(take).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();

    /// <summary>A structured-mode CloudEvent, the way the sidecar delivers a pub/sub message.</summary>
    private static HttpContent CloudEvent(string id, object data)
    {
        var envelope = new Dictionary<string, object>
        {
            ["specversion"] = "1.0", ["id"] = id, ["source"] = "robot-7", ["type"] = "com.dapr.event.sent",
            ["topic"] = "accident-logs", ["pubsubname"] = "pubsub", ["datacontenttype"] = "application/json", ["data"] = data,
        };
        var content = new StringContent(JsonSerializer.Serialize(envelope), Encoding.UTF8);
        content.Headers.ContentType = new("application/cloudevents+json");
        return content;
    }

    private static async Task<string> StatusOfAsync(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("status").GetString()!;
    }

    private static async Task<long> VersionAsync(ServeHost host, string dataset)
    {
        var r = await host.Client.GetAsync($"/v1/datasets/{dataset}");
        return r.StatusCode == HttpStatusCode.NotFound ? 0 : (await ServeHost.JsonAsync(r)).GetProperty("version").GetInt64();
    }

    [Fact]
    public async Task Contract_subscribe_lists_both_topics_with_their_routes()
    {
        await using var host = await ServeHost.StartAsync();
        var subscriptions = JsonDocument.Parse(await host.Client.GetStringAsync("/dapr/subscribe")).RootElement;
        var byTopic = subscriptions.EnumerateArray().ToDictionary(s => s.GetProperty("topic").GetString()!);
        Assert.Equal(2, byTopic.Count);
        Assert.Equal("pubsub", byTopic["accident-logs"].GetProperty("pubsubName").GetString());
        Assert.Equal(EventEndpoints.AccidentLogsRoute.TrimStart('/'), byTopic["accident-logs"].GetProperty("route").GetString()!.TrimStart('/'));
        Assert.Equal(EventEndpoints.TrainingRequestsRoute.TrimStart('/'), byTopic["training-requests"].GetProperty("route").GetString()!.TrimStart('/'));
    }

    [Fact]
    public async Task Contract_accident_logs_ingest_once_per_event_id_and_drop_bad_input()
    {
        await using var host = await ServeHost.StartAsync();
        var log = new { dataset = "acc", env = "navigation1", variant = "test", rows = Rows() };
        Assert.Equal("SUCCESS", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.AccidentLogsRoute, CloudEvent("ev-1", log))));
        Assert.Equal(1, await VersionAsync(host, "acc"));
        var rows = JsonDocument.Parse(await host.Client.GetStringAsync("/v1/datasets/acc")).RootElement.GetProperty("total").GetProperty("rows").GetInt64();
        Assert.InRange(rows, 1, 60);

        // Redelivered: done before, so SUCCESS and no new version.
        Assert.Equal("SUCCESS", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.AccidentLogsRoute, CloudEvent("ev-1", log))));
        Assert.Equal(1, await VersionAsync(host, "acc"));

        // Bad input can never succeed: DROP, nothing written.
        var nan = Rows(5);
        var broken = nan.Select((r, i) => i == 2 ? JsonDocument.Parse(r.GetRawText().Replace("\"obs\":[", "\"obs\":[1,", StringComparison.Ordinal)).RootElement : r).ToArray();
        Assert.Equal("DROP", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.AccidentLogsRoute,
            CloudEvent("ev-2", new { dataset = "acc", variant = "bad", rows = broken }))));
        Assert.Equal("DROP", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.AccidentLogsRoute, CloudEvent("ev-3", new { dataset = "acc", rows = Array.Empty<JsonElement>() }))));
        Assert.Equal("DROP", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.AccidentLogsRoute, CloudEvent("ev-4", new { dataset = "nope", rows = Rows(5) }))));
        Assert.Equal("DROP", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.AccidentLogsRoute, CloudEvent("ev-5", new { dataset = "../acc", rows = Rows(5) }))));
        Assert.Equal("DROP", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.AccidentLogsRoute, CloudEvent("ev-6", new { dataset = "acc", @object = "incoming/missing.csv" }))));
        Assert.Equal("DROP", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.AccidentLogsRoute, CloudEvent("ev-7", new { dataset = "acc", unknown_field = 1, rows = Rows(5) }))));
        Assert.Equal(1, await VersionAsync(host, "acc"));
        Assert.Equal(0, await VersionAsync(host, "nope"));

        // A reference to a log in the store (where the blob binding writes) takes the same path.
        var store = StoreLocation.Open(host.StorePath);
        await store.WriteAsync("incoming/robot-7/accidents.csv", await File.ReadAllBytesAsync(ServeHost.Sample("accidents.csv")));
        Assert.Equal("SUCCESS", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.AccidentLogsRoute,
            CloudEvent("ev-8", new { dataset = "acc", variant = "blob", @object = "incoming/robot-7/accidents.csv" }))));
        Assert.Equal(2, await VersionAsync(host, "acc"));

        // Not a CloudEvent (no id to be idempotent on): DROP. Without the API key: 401, which the sidecar retries.
        Assert.Equal("DROP", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.AccidentLogsRoute, JsonContent.Create(log))));
        using var anonymous = new HttpClient { BaseAddress = host.BaseAddress };
        await ProblemAssert.IsAsync(await anonymous.PostAsync(EventEndpoints.AccidentLogsRoute, CloudEvent("ev-9", log)), 401);
        Assert.Equal(2, await VersionAsync(host, "acc"));
    }

    [Fact]
    public async Task Contract_training_requests_queue_one_run_per_event_id()
    {
        await using var host = await ServeHost.StartAsync();
        await host.UploadAsync("nav", "accidents.csv", "text/csv", "env=navigation1&variant=a&source=robot-7");
        var plan = new
        {
            name = "nav-nightly",
            training = new { dataset = "nav", algorithm = "multitask", model = "nav-critic", steps = 3, batch_size = 8, architecture = "8,8" },
        };
        Assert.Equal(HttpStatusCode.Created, (await host.Client.PostAsync("/v1/plans", JsonContent.Create(plan))).StatusCode);

        for (int i = 0; i < 2; i++)
            Assert.Equal("SUCCESS", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.TrainingRequestsRoute, CloudEvent("train-1", new { plan = "nav-nightly", force = true }))));
        var runs = (await ServeHost.JsonAsync(await host.Client.GetAsync("/v1/runs?plan=nav-nightly"))).GetProperty("runs");
        Assert.Equal(1, runs.GetArrayLength());
        Assert.Equal("queued", runs[0].GetProperty("state").GetString());
        Assert.Equal("manual", runs[0].GetProperty("trigger").GetString());
        Assert.True(runs[0].GetProperty("force").GetBoolean());

        Assert.Equal("SUCCESS", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.TrainingRequestsRoute, CloudEvent("train-2", new { plan = "nav-nightly" }))));
        Assert.Equal("DROP", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.TrainingRequestsRoute, CloudEvent("train-3", new { plan = "no-such-plan" }))));
        Assert.Equal("DROP", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.TrainingRequestsRoute, CloudEvent("train-4", new { force = true }))));
        runs = (await ServeHost.JsonAsync(await host.Client.GetAsync("/v1/runs?plan=nav-nightly"))).GetProperty("runs");
        Assert.Equal(2, runs.GetArrayLength());
    }

    [Fact]
    public async Task Contract_daprclient_publishes_versions_and_adaptations_and_replicas_share_state_through_the_sidecar()
    {
        await using var sidecar = await LoopbackDaprSidecar.StartAsync();
        var dapr = new DaprSidecar { GrpcEndpoint = sidecar.GrpcEndpoint };
        await using var first = await ServeHost.StartAsync(s => s with { Dapr = dapr });
        await using var second = await ServeHost.StartAsync(s => s with { Store = first.StorePath, Dapr = dapr });

        // An upload publishes dataset-versioned with the version it committed, and records its key.
        var upload = new HttpRequestMessage(HttpMethod.Post, "/v1/datasets/nav/uploads?env=navigation1&variant=a&source=robot-7")
        { Content = ServeHost.File(ServeHost.Sample("accidents.csv"), "text/csv") };
        upload.Headers.Add("Idempotency-Key", "robot7-0001");
        var created = await first.Client.SendAsync(upload);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var published = Assert.Single(sidecar.Publications);
        Assert.Equal(("pubsub", Topics.DatasetVersioned, "application/json"), (published.PubSub, published.Topic, published.ContentType));
        Assert.Equal("nav", published.Data.GetProperty("dataset").GetString());
        Assert.Equal(1, published.Data.GetProperty("version").GetInt64());
        Assert.Equal(93, published.Data.GetProperty("rows").GetInt64());
        Assert.Equal(7, published.Data.GetProperty("unsafe").GetInt64());
        string uploadKey = Assert.Single(sidecar.StateKeys("statestore"), k => k.StartsWith("upload/nav/", StringComparison.Ordinal));
        var write = Assert.Single(sidecar.Writes, w => w.Key == uploadKey);
        Assert.True(write.Accepted);
        Assert.Equal("", write.ETag);
        Assert.Equal(Dapr.Client.Autogen.Grpc.v1.StateOptions.Types.StateConcurrency.ConcurrencyFirstWrite, write.Concurrency);
        Assert.Equal(1, sidecar.State("statestore", uploadKey)!.Value.GetProperty("version").GetInt64());

        // The retry reaches the other replica: answered from the shared key, no version, no event.
        var retry = new HttpRequestMessage(HttpMethod.Post, "/v1/datasets/nav/uploads?variant=a&source=robot-7")
        { Content = ServeHost.File(ServeHost.Sample("accidents.csv"), "text/csv") };
        retry.Headers.Add("Idempotency-Key", "robot7-0001");
        var replayed = await second.Client.SendAsync(retry);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Equal(1, (await ServeHost.JsonAsync(replayed)).GetProperty("version").GetInt64());
        Assert.Contains(sidecar.Reads, r => r.Key == uploadKey && r.Found);
        Assert.Single(sidecar.Publications);

        // An adaptation publishes critic-adapted and stores its cache entry; the other replica reuses it.
        await first.UploadAsync("nav", "accidents.jsonl", "application/x-ndjson", "variant=b");
        await new MetaTrainingJob(StoreLocation.Open(first.StorePath)).RunAsync(new MetaTrainingRequest
        {
            Dataset = "nav", Algorithm = "multitask", Model = "nav-base", Steps = 3, BatchSize = 8, Architecture = "8,8",
        });
        var body = new { transitions = Rows(), steps = 5, seed = 3, model = "nav-robot7" };
        var adapted = await first.Client.PostAsync("/v1/models/nav-base@1/adapt", JsonContent.Create(body));
        Assert.True(adapted.StatusCode == HttpStatusCode.Created, await adapted.Content.ReadAsStringAsync());
        string key = (await ServeHost.JsonAsync(adapted)).GetProperty("adaptation_key").GetString()!;
        var announced = Assert.Single(sidecar.Publications, p => p.Topic == Topics.CriticAdapted);
        Assert.Equal("nav-robot7@1", announced.Data.GetProperty("model").GetString());
        Assert.Equal("nav-base@1", announced.Data.GetProperty("base_model").GetString());
        Assert.Equal(key, announced.Data.GetProperty("adaptation_key").GetString());
        Assert.Equal("nav-robot7@1", sidecar.State("statestore", "adaptation/" + key)!.Value.GetProperty("model").GetString());

        var again = await second.Client.PostAsync("/v1/models/nav-base@1/adapt", JsonContent.Create(body));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var cached = await ServeHost.JsonAsync(again);
        Assert.True(cached.GetProperty("cached").GetBoolean());
        Assert.Equal("nav-robot7@1", cached.GetProperty("model").GetString());
        Assert.Equal(1, await first.MetricAsync("offsafe_adaptations_total"));
        Assert.Equal(0, await second.MetricAsync("offsafe_adaptations_total"));
        Assert.Equal(1, await second.MetricAsync("offsafe_cache_hits_total{cache=\"adaptation_shared\"}"));
        Assert.Single(sidecar.Publications, p => p.Topic == Topics.CriticAdapted);
    }

    [Fact]
    public async Task Contract_events_are_retried_when_the_sidecar_state_store_is_down()
    {
        var sidecar = await LoopbackDaprSidecar.StartAsync();
        await using var host = await ServeHost.StartAsync(s => s with { Dapr = new DaprSidecar { GrpcEndpoint = sidecar.GrpcEndpoint } });
        await sidecar.DisposeAsync();
        var log = new { dataset = "acc", env = "navigation1", variant = "test", rows = Rows() };
        Assert.Equal("RETRY", await StatusOfAsync(await host.Client.PostAsync(EventEndpoints.AccidentLogsRoute, CloudEvent("ev-1", log))));
        Assert.Equal(0, await VersionAsync(host, "acc"));
    }

    [Fact]
    public void Contract_the_sidecar_is_found_through_the_environment_dapr_run_sets()
    {
        Assert.Null(DaprSidecar.FromEnvironment(_ => null));
        Assert.Null(DaprSidecar.FromEnvironment(n => n == "DAPR_HTTP_PORT" ? "3500" : null));
        var vars = new Dictionary<string, string> { ["DAPR_GRPC_PORT"] = "50001", ["APP_API_TOKEN"] = "t" };
        var found = DaprSidecar.FromEnvironment(n => vars.GetValueOrDefault(n), "bus", "kv")!;
        Assert.Equal(("http://127.0.0.1:50001", "bus", "kv", "t"), (found.GrpcEndpoint, found.PubSub, found.StateStore, found.AppToken));
        vars["DAPR_GRPC_ENDPOINT"] = "http://10.0.0.5:50002";
        Assert.Equal("http://10.0.0.5:50002", DaprSidecar.FromEnvironment(n => vars.GetValueOrDefault(n))!.GrpcEndpoint);
    }

    [Fact]
    public async Task Contract_with_an_app_token_events_need_the_sidecars_token()
    {
        await using var host = await ServeHost.StartAsync(s => s with { Dapr = new DaprSidecar { GrpcEndpoint = "http://127.0.0.1:1", AppToken = "app-token-1" } });
        await ProblemAssert.IsAsync(await host.Client.PostAsync(EventEndpoints.TrainingRequestsRoute, CloudEvent("t-1", new { plan = "p" })), 401);
        var request = new HttpRequestMessage(HttpMethod.Post, EventEndpoints.TrainingRequestsRoute) { Content = CloudEvent("t-1", new { plan = "p" }) };
        request.Headers.Add("dapr-api-token", "app-token-1");
        Assert.Equal("DROP", await StatusOfAsync(await host.Client.SendAsync(request)));
    }
}
