using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Plans;
using OfflineSafety.Serve.Http;
using OfflineSafety.Storage;

namespace OfflineSafety.Serve.Plans;

/// <summary>
/// Training plans and their runs over HTTP (docs/plans.md): the same PlanStore and RunStore as
/// `offsafe plans` and `offsafe runs`. A run requested here is queued; the scheduler (in this
/// process unless started with --no-scheduler, or any replica) picks it up.
/// </summary>
public static class PlanEndpoints
{
    /// <summary>POST /v1/plans: the CLI's `plans add` options as JSON.</summary>
    public sealed record PlanRequest
    {
        public required string Name { get; init; }
        public required MetaTrainingRequest Training { get; init; }
        public string? Cron { get; init; }
        public bool OnNewData { get; init; }
        public double DebounceMinutes { get; init; } = 10;
        public string? EvalDataset { get; init; }
        public double? PromotionMargin { get; init; }
    }

    /// <summary>POST /v1/plans/{name}/runs.</summary>
    public sealed record RunRequest
    {
        public bool Force { get; init; }
    }

    private static readonly JsonSerializerOptions Json = new(ServeJson.Options)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>
    /// Queues a manual run of the plan, as POST /v1/plans/{name}/runs and a training-requests event do.
    /// With <paramref name="requestKey"/> (an event id) a second request with the key answers with the
    /// first one's run instead of queuing another; <c>Created</c> tells which.
    /// </summary>
    public static async Task<(TrainingRun Run, bool Created)> QueueRunAsync(IObjectStore objects, TimeProvider time, string name, bool force, string? requestKey, CancellationToken ct)
    {
        var plan = await new PlanStore(objects).GetAsync(name, ct);
        var now = time.GetUtcNow();
        var run = new TrainingRun
        {
            Id = RunStore.NewId(plan.Name, now, "manual-" + Guid.NewGuid().ToString("N")[..6]),
            Plan = plan.Name, State = RunState.Queued, Trigger = RunTrigger.Manual, QueuedUtc = now, Force = force,
        };
        var runs = new RunStore(objects);
        if (requestKey is not null) return await runs.CreateOnceAsync(run, requestKey, ct);
        await runs.CreateAsync(run, ct);
        return (run, true);
    }

    public static void Map(IEndpointRouteBuilder app, ServeSettings settings, IObjectStore objects, ApiKeyCheck apiKey)
    {
        var plans = new PlanStore(objects);
        var runs = new RunStore(objects);

        var v1 = app.MapGroup("/v1/plans");
        v1.MapGet("", async (CancellationToken ct) => Results.Json(new { plans = await plans.ListAsync(ct) }, Json));
        v1.MapGet("/{name}", async (string name, CancellationToken ct) => Results.Json(await plans.GetAsync(name, ct), Json));
        v1.MapPost("", async (HttpContext context, CancellationToken ct) =>
        {
            var body = await RequestBodies.ReadJsonAsync<PlanRequest>(context, settings.MaxJsonBytes);
            if (body.PromotionMargin is not null && body.EvalDataset is null)
                throw new BadInputException("promotion_margin: a promotion gate needs eval_dataset to compare models on");
            if (!double.IsFinite(body.DebounceMinutes) || body.DebounceMinutes < 0)
                throw new BadInputException($"debounce_minutes: must be a finite number >= 0, got {body.DebounceMinutes}");
            var plan = await plans.AddAsync(new TrainingPlan
            {
                Name = body.Name,
                Training = body.Training,
                Triggers = new PlanTriggers { Cron = body.Cron, OnNewData = body.OnNewData, Debounce = TimeSpan.FromMinutes(body.DebounceMinutes) },
                EvaluationDataset = body.EvalDataset,
                Gate = body.PromotionMargin is { } m ? new PromotionGate { Margin = m } : new PromotionGate(),
                CreatedUtc = settings.Time.GetUtcNow(),
            }, ct);
            return Results.Json(plan, Json, statusCode: StatusCodes.Status201Created);
        }).AddEndpointFilter(apiKey);
        v1.MapDelete("/{name}", async (string name, CancellationToken ct) =>
        {
            await plans.RemoveAsync(name, ct);
            return Results.NoContent();
        }).AddEndpointFilter(apiKey);
        v1.MapPost("/{name}/runs", async (HttpContext context, string name, CancellationToken ct) =>
        {
            var request = context.Request.ContentLength is > 0
                ? await RequestBodies.ReadJsonAsync<RunRequest>(context, settings.MaxJsonBytes)
                : new RunRequest();
            var (run, _) = await QueueRunAsync(objects, settings.Time, name, request.Force, requestKey: null, ct);
            return Results.Json(run, Json, statusCode: StatusCodes.Status202Accepted);
        }).AddEndpointFilter(apiKey);

        var r1 = app.MapGroup("/v1/runs");
        r1.MapGet("", async (string? plan, CancellationToken ct) =>
        {
            var names = plan is not null ? [plan] : (await plans.ListAsync(ct)).Select(p => p.Name).ToArray();
            var all = new List<TrainingRun>();
            foreach (string n in names) all.AddRange(await runs.ListAsync(n, ct));
            return Results.Json(new { runs = all }, Json);
        });
        r1.MapGet("/{plan}/{stamp}", async (string plan, string stamp, CancellationToken ct) =>
            Results.Json(await runs.GetAsync($"{plan}/{stamp}", ct), Json));
        r1.MapPost("/{plan}/{stamp}/cancel", async (string plan, string stamp, CancellationToken ct) =>
            Results.Json(await runs.RequestCancelAsync($"{plan}/{stamp}", settings.Time.GetUtcNow(), ct), Json)).AddEndpointFilter(apiKey);
    }
}
