using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OfflineSafety.Meta.Plans;
using OfflineSafety.Storage;

namespace OfflineSafety.Serve.Tests;

/// <summary>Training plans and runs over real loopback HTTP, with the scheduler the service hosts driven tick by tick.</summary>
public sealed class PlanEndpointTests
{
    private static HttpContent Json(object body) => JsonContent.Create(body);

    private static object PlanBody(string name) => new
    {
        name,
        training = new { dataset = "nav", algorithm = "multitask", model = "nav-critic", steps = 3, batch_size = 8, architecture = "8,8" },
        on_new_data = true,
        debounce_minutes = 0,
    };

    [Fact]
    public async Task Upload_then_a_run_then_new_logs_trigger_a_new_model_that_the_next_adapt_uses()
    {
        await using var host = await ServeHost.StartAsync();
        await host.UploadAsync("nav", "accidents.csv", "text/csv", "env=navigation1&variant=a&source=robot-7");
        var added = await host.Client.PostAsync("/v1/plans", Json(PlanBody("nav-nightly")));
        Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
        var listed = await ServeHost.JsonAsync(await host.Client.GetAsync("/v1/plans"));
        Assert.Equal("nav-nightly", listed.GetProperty("plans")[0].GetProperty("name").GetString());

        var queued = await host.Client.PostAsync("/v1/plans/nav-nightly/runs", null);
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        string runId = (await ServeHost.JsonAsync(queued)).GetProperty("id").GetString()!;

        var scheduler = new PlanScheduler(StoreLocation.Open(host.StorePath), TimeProvider.System, "test-worker", new SchedulerSettings());
        var first = Assert.Single(await Task.WhenAll(await scheduler.TickAsync()))!;
        Assert.Equal((runId, RunState.Succeeded, "nav-critic@1"), (first.Id, first.State, first.PublishedModel));
        var shown = await ServeHost.JsonAsync(await host.Client.GetAsync($"/v1/runs/{runId}"));
        Assert.Equal("succeeded", shown.GetProperty("state").GetString());
        Assert.Equal("nav@1", $"{shown.GetProperty("dataset").GetProperty("name").GetString()}@{shown.GetProperty("dataset").GetProperty("version").GetInt64()}");

        // New accident logs arrive: the data trigger trains on the new version.
        await host.UploadAsync("nav", "accidents.jsonl", "application/x-ndjson", "variant=b");
        var second = Assert.Single(await Task.WhenAll(await scheduler.TickAsync()))!;
        Assert.Equal((RunState.Succeeded, RunTrigger.NewData, "nav-critic@2", 2L), (second.State, second.Trigger, second.PublishedModel, second.Dataset!.Version));
        var card = await ServeHost.JsonAsync(await host.Client.GetAsync("/v1/models/nav-critic"));
        Assert.Equal("nav@2", card.GetProperty("lineage").GetProperty("dataset").GetProperty("name").GetString() + "@"
            + card.GetProperty("lineage").GetProperty("dataset").GetProperty("version").GetInt64());

        var adapt = await host.Client.PostAsync("/v1/models/nav-critic/adapt", Json(new { dataset = "nav", variant = "b", steps = 3, seed = 1 }));
        Assert.True(adapt.StatusCode == HttpStatusCode.Created, await adapt.Content.ReadAsStringAsync());
        Assert.Equal("nav-critic@2", (await ServeHost.JsonAsync(adapt)).GetProperty("base_model").GetString());

        var runs = await ServeHost.JsonAsync(await host.Client.GetAsync("/v1/runs?plan=nav-nightly"));
        Assert.Equal(2, runs.GetProperty("runs").GetArrayLength());
    }

    [Fact]
    public async Task Bad_plans_and_requests_are_problems_and_store_nothing()
    {
        await using var host = await ServeHost.StartAsync();
        await host.UploadAsync("nav", "accidents.csv", "text/csv", "env=navigation1&variant=a&source=robot-7");
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/plans", Json(new
        {
            name = "p", training = new { dataset = "nope", algorithm = "multitask", model = "m" },
        })), 400);
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/plans", Json(new
        {
            name = "p", training = new { dataset = "nav", algorithm = "multitask", model = "m" }, cron = "sometimes",
        })), 400);
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/plans", Json(new
        {
            name = "../p", training = new { dataset = "nav", algorithm = "multitask", model = "m" },
        })), 400);
        using (var anonymous = new HttpClient { BaseAddress = host.BaseAddress })
            await ProblemAssert.IsAsync(await anonymous.PostAsync("/v1/plans", Json(PlanBody("p"))), 401);
        Assert.Equal(0, (await ServeHost.JsonAsync(await host.Client.GetAsync("/v1/plans"))).GetProperty("plans").GetArrayLength());
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/plans/nope/runs", null), 404);
        await ProblemAssert.IsAsync(await host.Client.GetAsync("/v1/runs/nope/20261205-000000-x"), 404);

        Assert.Equal(HttpStatusCode.Created, (await host.Client.PostAsync("/v1/plans", Json(PlanBody("p")))).StatusCode);
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/plans", Json(PlanBody("p"))), 409);
        var queued = await ServeHost.JsonAsync(await host.Client.PostAsync("/v1/plans/p/runs", Json(new { force = true })));
        string id = queued.GetProperty("id").GetString()!;
        var cancelled = await ServeHost.JsonAsync(await host.Client.PostAsync($"/v1/runs/{id}/cancel", null));
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.DeleteAsync("/v1/plans/p")).StatusCode);
    }
}
