using System.Buffers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Export;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Serve.Http;

namespace OfflineSafety.Serve.Models;

/// <summary>/v1/models: list, cards with lineage, weights, adapt, evaluate and filter.</summary>
public static class ModelEndpoints
{
    public const string SafetensorsMediaType = "application/octet-stream";

    /// <summary>ONNX has no registered media type; this is the one its tooling uses.</summary>
    public const string OnnxMediaType = "application/onnx";

    public static void Map(IEndpointRouteBuilder app, ServeSettings settings, ModelRegistry registry, CriticCache critics,
        CriticAdaptations adaptations, ApiKeyCheck apiKey)
    {
        var v1 = app.MapGroup("/v1/models");
        v1.MapGet("", async (CancellationToken ct) =>
        {
            var listing = await registry.ListAllAsync(ct);
            return Results.Json(new
            {
                models = listing.Cards.Select(c => new
                {
                    reference = c.Reference, name = c.Name, version = c.Version, kind = c.Kind, algorithm = c.Algorithm,
                    created_utc = c.CreatedUtc, dataset = c.Lineage.Dataset.ToString(), base_model = c.Lineage.BaseModel,
                }),
                unreadable = listing.Unreadable.Select(u => new { key = u.Key, reason = u.Reason }),
            }, ServeJson.Options);
        });
        v1.MapGet("/{reference}", async (string reference, CancellationToken ct) =>
            Results.Bytes((await registry.ResolveAsync(ModelReference.Parse(reference), ct)).ToJson(), "application/json"));
        v1.MapGet("/{reference}/weights", async (HttpContext context, string reference, CancellationToken ct) =>
        {
            var (card, weights) = await registry.ReadWeightsAsync(ModelReference.Parse(reference), ct);
            context.Response.Headers["X-Model-Reference"] = card.Reference;
            return Results.Bytes(weights, SafetensorsMediaType, $"{card.Name}-{card.Version}.safetensors");
        });
        v1.MapGet("/{reference}/onnx", async (HttpContext context, string reference, CancellationToken ct) =>
        {
            using var buffer = new MemoryStream();
            var card = await new ModelExport(registry).WriteAsync(ModelReference.Parse(reference), ModelExportFormat.Onnx, buffer, ct);
            context.Response.Headers["X-Model-Reference"] = card.Reference;
            return Results.Bytes(buffer.ToArray(), OnnxMediaType, $"{card.Name}-{card.Version}.onnx");
        });
        v1.MapPost("/{reference}/adapt", (HttpContext context, string reference, CancellationToken ct) =>
            adaptations.HandleAsync(context, ModelReference.Parse(reference), ct)).AddEndpointFilter(apiKey);
        v1.MapPost("/{reference}/evaluate", async Task (HttpContext context, string reference, CancellationToken ct) =>
        {
            // The critic first (a cache hit on the hot path): its dimensions shape the parse, so the
            // body goes straight into flat rows and every row is checked as it is read.
            var entry = await critics.GetAsync(ModelReference.Parse(reference), ct);
            var card = entry.Model.Card;
            using var body = await EvaluateBody.ReadAsync(context, settings.MaxJsonBytes, card.ObsDim, card.ActDim, settings.MaxBatchRows, ct);
            var risk = ArrayPool<float>.Shared.Rent(body.Rows);
            try
            {
                entry.Score(body.Obs, body.Action, body.Rows, risk.AsSpan(0, body.Rows));
                await EvaluateBody.WriteAnswerAsync(context, card.Reference, card.EpsRisk, risk, body.Rows, ct);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(risk);
            }
        });
        v1.MapPost("/{reference}/filter", async (HttpContext context, string reference, CancellationToken ct) =>
        {
            var model = ModelReference.Parse(reference);
            var body = await RequestBodies.ReadJsonAsync<FilterRequest>(context, settings.MaxJsonBytes);
            var entry = await critics.GetAsync(model, ct);
            var card = entry.Model.Card;
            var obs = ScoringInput.Vector(body.Obs, card.ObsDim, "obs");
            var actions = ScoringInput.Rows(body.Actions, card.ActDim, "actions", settings.MaxBatchRows);
            int k = body.Actions.Length;
            var logProb = body.LogProb is null ? new float[k] : ScoringInput.Vector(body.LogProb, k, "log_prob");
            var repeated = new float[k * card.ObsDim];
            for (int i = 0; i < k; i++) obs.CopyTo(repeated.AsSpan(i * card.ObsDim));
            var risk = new float[k];
            entry.Score(repeated, actions, k, risk);
            // SQRL's rule (the same code the online method runs): among candidates with risk <= eps,
            // one drawn in proportion to pi; when none qualifies, Recovery RL's answer is the recovery action.
            var (index, noneSafe) = SqrlFilter.Select(risk, logProb, card.EpsRisk, new Xoshiro256StarStar(body.Seed ?? 0));
            if (noneSafe && entry.Model.Recovery is { } recovery)
            {
                var action = new float[card.ActDim];
                recovery.Act(obs, action);
                return Results.Json(new { model = card.Reference, eps = card.EpsRisk, chose = "recovery", index = (int?)null, action, q_risk = risk }, ServeJson.Options);
            }
            return Results.Json(new
            {
                model = card.Reference, eps = card.EpsRisk, chose = noneSafe ? "least_risky" : "candidate", index = (int?)index,
                action = body.Actions[index], q_risk = risk,
            }, ServeJson.Options);
        });
    }
}
