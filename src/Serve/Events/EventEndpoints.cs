using System.Text.Json;
using Dapr;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Serve.Datasets;
using OfflineSafety.Serve.Http;
using OfflineSafety.Serve.Plans;
using OfflineSafety.Serve.Sidecar;
using OfflineSafety.Storage;

namespace OfflineSafety.Serve.Events;

/// <summary>
/// The Dapr subscriber side: GET /dapr/subscribe lists the topics, and the sidecar POSTs each event
/// as a CloudEvent to its route. The CloudEvents middleware unwraps the envelope into the event's
/// data and forwards its id and source as headers; source and id are the idempotency key, so a
/// redelivered event does nothing twice. accident-logs goes the upload's ingest path
/// (<see cref="DatasetUploads"/>); training-requests queues a run as POST /v1/plans/{name}/runs does.
/// </summary>
public static class EventEndpoints
{
    public const string AccidentLogsRoute = "/v1/events/accident-logs";
    public const string TrainingRequestsRoute = "/v1/events/training-requests";

    private const string IdHeader = "Cloudevent.id";
    private const string SourceHeader = "Cloudevent.source";

    public static void Map(WebApplication app, ServeSettings settings, DatasetUploads uploads, IObjectStore objects, ApiKeyCheck apiKey)
    {
        app.UseCloudEvents(new CloudEventsMiddlewareOptions
        {
            ForwardCloudEventPropertiesAsHeaders = true,
            IncludedCloudEventPropertiesAsHeaders = ["id", "source", "type"],
        });
        app.MapSubscribeHandler();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OfflineSafety.Serve.Events");
        // Standalone the routes are still listed, under the default component name, for a sidecar started later.
        string pubSub = settings.Dapr?.PubSub ?? DaprSidecar.DefaultPubSub;
        var auth = new EventAuth(settings.Dapr?.AppToken, apiKey);

        app.MapPost(AccidentLogsRoute, (HttpContext context, CancellationToken ct) =>
            DeliverAsync(context, Topics.AccidentLogs, log, async key =>
            {
                var e = await RequestBodies.ReadJsonAsync<AccidentLogEvent>(context, settings.MaxJsonBytes);
                var outcome = await IngestAsync(e, key, uploads, objects, settings, ct);
                return outcome.Committed
                    ? $"committed {outcome.Version} ({outcome.Rows} rows)"
                    : $"nothing new: {outcome.Version} holds it";
            }))
            .WithTopic(pubSub, Topics.AccidentLogs)
            .AddEndpointFilter(auth);

        app.MapPost(TrainingRequestsRoute, (HttpContext context, CancellationToken ct) =>
            DeliverAsync(context, Topics.TrainingRequests, log, async key =>
            {
                var e = await RequestBodies.ReadJsonAsync<TrainingRequestEvent>(context, settings.MaxJsonBytes);
                var (run, created) = await PlanEndpoints.QueueRunAsync(objects, settings.Time, e.Plan, e.Force, key, ct);
                return created ? $"queued run {run.Id}" : $"already queued as run {run.Id}";
            }))
            .WithTopic(pubSub, Topics.TrainingRequests)
            .AddEndpointFilter(auth);
    }

    private static async Task<IResult> DeliverAsync(HttpContext context, string topic, ILogger log, Func<string, Task<string>> handle)
    {
        string? id = context.Request.Headers[IdHeader], source = context.Request.Headers[SourceHeader];
        try
        {
            if (string.IsNullOrEmpty(id))
                throw new BadInputException($"not a CloudEvent: no id (send application/cloudevents+json, as the sidecar does)");
            string done = await handle($"cloudevent:{source}:{id}");
            log.LogInformation("{Topic} event {Id}: {Outcome}", topic, id, done);
            return Delivery.Answer(Delivery.Success);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            string verdict = Delivery.VerdictFor(ex);
            if (verdict == Delivery.Drop) log.LogWarning("{Topic} event {Id} dropped: {Reason}", topic, id, OneLine(ex.Message));
            else log.LogError(ex, "{Topic} event {Id} failed, to be redelivered: {Reason}", topic, id, OneLine(ex.Message));
            return Delivery.Answer(verdict);
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static Task<Ingest.IngestOutcome> IngestAsync(AccidentLogEvent e, string key, DatasetUploads uploads, IObjectStore objects, ServeSettings settings, CancellationToken ct)
    {
        if ((e.Rows is null) == (e.Object is null)) throw new BadInputException("accident-logs: give 'rows' (inline) or 'object' (a key in the store), exactly one");
        LogFormat format;
        Func<string, CancellationToken, Task> spool;
        if (e.Rows is { } rows)
        {
            if (e.Format is not null && LogFormats.Parse(e.Format) != LogFormat.Jsonl) throw new BadInputException("accident-logs: inline 'rows' are JSON rows; 'format' applies to 'object' only");
            if (rows.Length == 0) throw new BadInputException("accident-logs: 'rows' is empty");
            format = LogFormat.Jsonl;
            spool = (path, token) => WriteJsonlAsync(path, rows, token);
        }
        else
        {
            string objectKey = e.Object!;
            ObjectKey.Validate(objectKey);
            format = e.Format is null ? LogFormat.Auto : LogFormats.Parse(e.Format);
            spool = (path, token) => CopyObjectAsync(objects, objectKey, path, settings.MaxUploadBytes, token);
        }
        var upload = new LogUpload(e.Dataset, format, FieldMap.Parse(e.Map), e.Variant, e.Source ?? "accident-logs", e.Quarantine, e.Env, e.AllowUnknownEnv, key);
        return uploads.IngestAsync(upload, spool, ct);
    }

    private static async Task WriteJsonlAsync(string path, JsonElement[] rows, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await using var writer = new Utf8JsonWriter(stream);
        foreach (var row in rows)
        {
            row.WriteTo(writer);
            await writer.FlushAsync(ct);
            writer.Reset();
            stream.WriteByte((byte)'\n');
        }
    }

    private static async Task CopyObjectAsync(IObjectStore objects, string key, string path, long maxBytes, CancellationToken ct)
    {
        await using var source = await objects.TryOpenReadAsync(key, ct)
            ?? throw new NotFoundException($"accident-logs: object '{key}' not found in store '{objects.Location}'");
        if (source.Length > maxBytes) throw new BadInputException($"accident-logs: object '{key}' has {source.Length} bytes, over the upload limit of {maxBytes}");
        if (source.Length == 0) throw new BadInputException($"accident-logs: object '{key}' is empty");
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await source.CopyToAsync(file, 1 << 16, ct);
    }
}
