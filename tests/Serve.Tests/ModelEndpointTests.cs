using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Serialization;
using OfflineSafety.Storage;

namespace OfflineSafety.Serve.Tests;

public sealed class ModelEndpointTests
{
    /// <summary>Logs uploaded over HTTP, then a small multi-task critic meta-trained on them through the Meta job API.</summary>
    private static async Task<ServeHost> HostWithBaseModelAsync()
    {
        var host = await ServeHost.StartAsync();
        await host.UploadAsync("nav", "accidents.csv", "text/csv", "env=navigation1&variant=a&source=robot-7");
        await host.UploadAsync("nav", "accidents.jsonl", "application/x-ndjson", "variant=b");
        await new MetaTrainingJob(StoreLocation.Open(host.StorePath)).RunAsync(new MetaTrainingRequest
        {
            Dataset = "nav", Algorithm = "multitask", Model = "nav-base", Steps = 3, BatchSize = 8, Architecture = "8,8",
        });
        return host;
    }

    private static JsonElement[] InlineRows() => File.ReadAllLines(ServeHost.Sample("accidents.jsonl"))
        .Take(60).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();

    private static HttpContent Json(object body) => JsonContent.Create(body);

    [Fact]
    public async Task Upload_train_adapt_fetch_weights_and_score_locally_as_the_service_does()
    {
        await using var host = await HostWithBaseModelAsync();
        var models = JsonDocument.Parse(await host.Client.GetStringAsync("/v1/models")).RootElement.GetProperty("models");
        Assert.Equal("nav-base@1", models[0].GetProperty("reference").GetString());

        var adapt = await host.Client.PostAsync("/v1/models/nav-base/adapt", Json(new { transitions = InlineRows(), steps = 5, seed = 3, model = "nav-robot7" }));
        Assert.True(adapt.StatusCode == HttpStatusCode.Created, await adapt.Content.ReadAsStringAsync());
        var adapted = await ServeHost.JsonAsync(adapt);
        Assert.Equal("nav-robot7@1", adapted.GetProperty("model").GetString());
        Assert.Equal("nav-base@1", adapted.GetProperty("base_model").GetString());
        Assert.True(adapted.GetProperty("metrics").TryGetProperty("adapt_loss", out _));

        var card = ModelCard.FromJson(await host.Client.GetByteArrayAsync("/v1/models/nav-robot7@1"), "GET model.json");
        Assert.Equal("nav-base@1", card.Lineage.BaseModel);
        Assert.Equal(card.AdaptationKey, adapted.GetProperty("adaptation_key").GetString());
        var weights = await host.Client.GetByteArrayAsync("/v1/models/nav-robot7/weights");
        var local = LocalCritic(card, weights);

        // The ONNX graph the service hands out is the export of exactly these weights.
        var onnx = await host.Client.GetAsync("/v1/models/nav-robot7@1/onnx");
        Assert.Equal(HttpStatusCode.OK, onnx.StatusCode);
        Assert.Equal("application/onnx", onnx.Content.Headers.ContentType?.MediaType);
        using (var exported = new MemoryStream())
        {
            OfflineSafety.Meta.Export.CriticOnnxExport.Write(local, exported, OfflineSafety.Meta.Export.CriticOnnxExport.MetadataOf(card));
            Assert.Equal(exported.ToArray(), await onnx.Content.ReadAsByteArrayAsync());
        }
        await ProblemAssert.IsAsync(await host.Client.GetAsync("/v1/models/nope/onnx"), 404);

        var random = new Random(5);
        float[][] obs = [.. Enumerable.Range(0, 100).Select(_ => new[] { random.NextSingle() * 200 - 100, random.NextSingle() * 20 - 10 })];
        float[][] action = [.. Enumerable.Range(0, 100).Select(_ => new[] { random.NextSingle() * 2 - 1, random.NextSingle() * 2 - 1 })];
        var remote = await ServeHost.JsonAsync(await host.Client.PostAsync("/v1/models/nav-robot7@1/evaluate", Json(new { obs, action })));
        var expected = new float[100];
        local.Score(obs.SelectMany(o => o).ToArray(), action.SelectMany(a => a).ToArray(), 100, expected);
        var got = remote.GetProperty("q_risk").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.Equal(expected, got);
        var flags = remote.GetProperty("unsafe").EnumerateArray().Select(e => e.GetBoolean()).ToArray();
        Assert.Equal(expected.Select(r => r > card.EpsRisk), flags);

        // Filter: a safe candidate is chosen among the safe ones; with every candidate unsafe at eps the answer is the recovery action.
        var filter = await ServeHost.JsonAsync(await host.Client.PostAsync("/v1/models/nav-robot7/filter",
            Json(new { obs = obs[0], actions = action.Take(8).ToArray(), seed = 1 })));
        var risk = filter.GetProperty("q_risk").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        string chose = filter.GetProperty("chose").GetString()!;
        if (risk.Any(r => r <= card.EpsRisk))
        {
            Assert.Equal("candidate", chose);
            Assert.True(risk[filter.GetProperty("index").GetInt32()] <= card.EpsRisk);
        }
        else
        {
            Assert.Equal("recovery", chose);
        }
        Assert.Equal(2, filter.GetProperty("action").GetArrayLength());
    }

    private static SafetyCritic LocalCritic(ModelCard card, byte[] weights)
    {
        var content = SafeTensors.Read(weights);
        var shape = SafetyCritic.ShapeOf(card.Architecture!, card.ObsDim, card.ActDim);
        var parameters = Tensor.Vector(shape.ParameterCount);
        foreach (var t in shape.Tensors)
            content.Tensors.Single(s => s.Name == t.Name).Values.CopyTo(parameters.Data.Slice(t.Offset, t.Length));
        return new SafetyCritic(card.Architecture!, card.Normalization!, parameters);
    }

    [Fact]
    public async Task Thirty_two_identical_adapt_requests_adapt_once_and_a_repeat_is_the_stored_one()
    {
        await using var host = await HostWithBaseModelAsync();
        var rows = InlineRows();
        var responses = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ =>
            host.Client.PostAsync("/v1/models/nav-base@1/adapt", Json(new { transitions = rows, steps = 5, seed = 1 }))));
        var references = new List<string>();
        foreach (var r in responses)
        {
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
            references.Add((await ServeHost.JsonAsync(r)).GetProperty("model").GetString()!);
        }
        Assert.Equal(["nav-base-adapted@1"], references.Distinct());
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(1, await host.MetricAsync("offsafe_adaptations_total"));
        var again = await host.Client.PostAsync("/v1/models/nav-base/adapt", Json(new { transitions = rows, steps = 5, seed = 1 }));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("nav-base-adapted@1", (await ServeHost.JsonAsync(again)).GetProperty("model").GetString());
        // Other settings are another adaptation.
        var moreSteps = await host.Client.PostAsync("/v1/models/nav-base/adapt", Json(new { transitions = rows, steps = 6, seed = 1 }));
        Assert.Equal(HttpStatusCode.Created, moreSteps.StatusCode);
        Assert.Equal(2, await host.MetricAsync("offsafe_adaptations_total"));

        // The same data from a dataset is other data (another content identity): a new adaptation.
        var byDataset = await host.Client.PostAsync("/v1/models/nav-base/adapt", Json(new { dataset = "nav", variant = "a", steps = 5, seed = 1 }));
        Assert.Equal(HttpStatusCode.Created, byDataset.StatusCode);
        var repeat = await host.Client.PostAsync("/v1/models/nav-base/adapt", Json(new { dataset = "nav@2", variant = "a", steps = 5, seed = 1 }));
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.True((await ServeHost.JsonAsync(repeat)).GetProperty("cached").GetBoolean());
        Assert.Equal(3, await host.MetricAsync("offsafe_adaptations_total"));
    }

    [Fact]
    public async Task Bad_model_requests_are_problems_and_publish_nothing()
    {
        await using var host = await HostWithBaseModelAsync();
        async Task Expect(string path, object body, int status) => await ProblemAssert.IsAsync(await host.Client.PostAsync(path, Json(body)), status);
        float[] ok = [1f, 2f];
        await Expect("/v1/models/nav-base/evaluate", new { obs = new[] { new[] { 1f, 2f, 3f } }, action = new[] { ok } }, 400);
        await Expect("/v1/models/nav-base/evaluate", new { obs = new[] { ok, ok }, action = new[] { ok } }, 400);
        var nan = new StringContent("{\"obs\":[[\"NaN\",1]],\"action\":[[0,0]]}", Encoding.UTF8, "application/json");
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/models/nav-base/evaluate", nan), 400);
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/models/nav-base/evaluate", new StringContent("obs=1", Encoding.UTF8, "text/plain")), 415);
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/models/nav-base/evaluate", new StringContent("{\"obs\":[[1,", Encoding.UTF8, "application/json")), 400);
        // evaluate parses its body itself (EvaluateBody): each refusal names the field, as the other endpoints' do.
        foreach (var (body, detail) in new[]
        {
            ("{\"obs\":[[\"NaN\",1]],\"action\":[[0,0]]}", "'obs[0][0]' is NaN"),
            ("{\"obs\":[[0,0]],\"action\":[[0,\"-Infinity\"]]}", "'action[0][1]' is -Infinity"),
            ("{\"obs\":[[0,1e39]],\"action\":[[0,0]]}", "'obs[0][1]' is"),
            ("{\"obs\":[[0,0],null],\"action\":[[0,0],[0,0]]}", "'obs[1]' is null"),
            ("{\"obs\":[[0,0]],\"action\":[[0,0]],\"extra\":1}", "'extra'"),
            ("{\"obs\":[[0,0]],\"obs\":[[0,0]],\"action\":[[0,0]]}", "given twice"),
            ("{\"obs\":[[0,0]]}", "'action' is missing"),
            ("{\"obs\":[],\"action\":[]}", "'obs' is missing or empty"),
            ("{\"obs\":[[0,\"x\"]],\"action\":[[0,0]]}", "'obs[0][1]' is not a number"),
            ("[1]", "expected a JSON object"),
            ("{\"obs\":[[0,0]],\"action\":[[0,0]]} {}", "not valid JSON"),
            ("null", "JSON null"),
        })
        {
            var refused = await host.Client.PostAsync("/v1/models/nav-base/evaluate", new StringContent(body, Encoding.UTF8, "application/json"));
            await ProblemAssert.IsAsync(refused, 400);
            Assert.Contains(detail, (await ServeHost.JsonAsync(refused)).GetProperty("detail").GetString());
        }
        var spaced = await host.Client.PostAsync("/v1/models/nav-base/evaluate", new StringContent(" { \"action\" : [ [ 0 , 0.5 ] ] ,\n \"obs\" : [ [ -1E1 , 2 ] ] } ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, spaced.StatusCode);
        Assert.Single((await ServeHost.JsonAsync(spaced)).GetProperty("q_risk").EnumerateArray());
        await Expect("/v1/models/nope/evaluate", new { obs = new[] { ok }, action = new[] { ok } }, 404);
        await Expect("/v1/models/nav-base@9/evaluate", new { obs = new[] { ok }, action = new[] { ok } }, 404);
        await Expect("/v1/models/nav-base/filter", new { obs = new[] { 1f }, actions = new[] { ok } }, 400);
        await ProblemAssert.IsAsync(await host.Client.GetAsync("/v1/models/nope/weights"), 404);
        await ProblemAssert.IsAsync(await host.Client.GetAsync("/v1/models/..%2F..%2Fdatasets/weights"), 400);
        await ProblemAssert.IsAsync(await host.Client.GetAsync("/v1/models/..%2Fx/onnx"), 400);

        // Adapt: wrong dimensions and NaN in inline rows, an unknown dataset, an escaping output name, no key.
        var wide = new[] { JsonDocument.Parse("{\"episode_id\":0,\"step\":0,\"obs\":[1,2,3],\"action\":[0,0],\"reward\":0,\"cost\":0}").RootElement };
        await Expect("/v1/models/nav-base/adapt", new { transitions = wide, steps = 2 }, 400);
        var nanRow = new[] { JsonDocument.Parse("{\"episode_id\":0,\"step\":0,\"obs\":[NaN,2],\"action\":[0,0],\"reward\":0,\"cost\":0}".Replace("NaN", "\"NaN\"")).RootElement };
        await Expect("/v1/models/nav-base/adapt", new { transitions = nanRow, steps = 2 }, 400);
        await Expect("/v1/models/nav-base/adapt", new { dataset = "missing", variant = "a", steps = 2 }, 404);
        await Expect("/v1/models/nav-base/adapt", new { transitions = InlineRows(), steps = 2, model = "../escape" }, 400);
        await Expect("/v1/models/nav-base/adapt", new { transitions = InlineRows(), steps = 0 }, 400);
        using (var anonymous = new HttpClient { BaseAddress = host.BaseAddress })
            await ProblemAssert.IsAsync(await anonymous.PostAsync("/v1/models/nav-base/adapt", Json(new { transitions = InlineRows(), steps = 2 })), 401);
        var truncated = File.ReadAllBytes(ServeHost.Sample("accidents.parquet"));
        var half = new ByteArrayContent(truncated[..(truncated.Length / 2)]);
        half.Headers.ContentType = new("application/vnd.apache.parquet");
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/models/nav-base/adapt?steps=2", half), 400);

        var names = JsonDocument.Parse(await host.Client.GetStringAsync("/v1/models")).RootElement.GetProperty("models");
        Assert.Equal(["nav-base@1"], names.EnumerateArray().Select(m => m.GetProperty("reference").GetString()));
        Assert.Equal(0, await host.MetricAsync("offsafe_adaptations_total"));
    }

    [Fact]
    public async Task Health_readiness_and_metrics()
    {
        await using var host = await ServeHost.StartAsync();
        Assert.Equal("ok", (await ServeHost.JsonAsync(await host.Client.GetAsync("/healthz"))).GetProperty("status").GetString());
        Assert.Equal("ready", (await ServeHost.JsonAsync(await host.Client.GetAsync("/readyz"))).GetProperty("status").GetString());
        await host.Client.GetAsync("/v1/datasets");
        string metrics = await host.Client.GetStringAsync("/metrics");
        Assert.Contains("offsafe_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1", metrics);
        Assert.Contains("offsafe_http_request_duration_seconds_bucket{route=\"/v1/datasets/\",le=\"+Inf\"} 1", metrics);
        Assert.Contains("offsafe_adaptations_total 0", metrics);
        Assert.Matches(@"(?m)^offsafe_threadpool_threads [1-9][0-9]*$", metrics);
        Assert.Matches(@"(?m)^offsafe_threadpool_queue_length [0-9]+$", metrics);
        Assert.True(await host.MetricAsync("offsafe_threadpool_completed_items_total") > 0);
        await ProblemAssert.IsAsync(await host.Client.GetAsync("/v2/nothing"), 404);
    }
}
