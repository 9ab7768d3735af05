using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OfflineSafety.Envs;
using OfflineSafety.Errors;
using OfflineSafety.Ingest;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Serve.Http;

namespace OfflineSafety.Serve.Datasets;

/// <summary>
/// /v1/datasets: list, stats, versions, rows (Arrow IPC or JSONL) and uploads. An upload is spooled
/// whole to a temp file and then given to <see cref="DatasetIngest"/>, so it gets exactly the
/// validation, labels and atomicity of `offsafe ingest`.
/// </summary>
public static class DatasetEndpoints
{
    private const string JsonlMediaType = "application/x-ndjson";

    public static void Map(IEndpointRouteBuilder app, ServeSettings settings, DatasetStore store, ApiKeyCheck apiKey)
    {
        var v1 = app.MapGroup("/v1/datasets");
        v1.MapGet("", async (CancellationToken ct) =>
        {
            var list = new List<object>();
            foreach (var name in await store.ListAsync(ct))
            {
                var snapshot = await store.SnapshotAsync(new DatasetReference(name, null), ct);
                var m = DatasetStore.MetadataOf(name, snapshot);
                list.Add(new { name, version = snapshot.Version, env = m.EnvId, obs_dim = m.ObsDim, action_dim = m.ActionDim });
            }
            return Results.Json(new { datasets = list }, ServeJson.Options);
        });
        v1.MapGet("/{reference}", async (string reference, CancellationToken ct) =>
        {
            var s = await new DatasetInspection(store).ShowAsync(DatasetReference.Parse(reference), ct);
            return Results.Json(new
            {
                name = s.Version.Name,
                version = s.Version.Version,
                timestamp = s.Version.Timestamp,
                table_id = s.Version.TableId,
                env = s.Metadata.EnvId,
                obs_dim = s.Metadata.ObsDim,
                action_dim = s.Metadata.ActionDim,
                files = s.Files,
                size_bytes = s.SizeBytes,
                total = Group(s.Total),
                by_variant = s.ByVariant.Select(Group),
                by_source = s.BySource.Select(Group),
            }, ServeJson.Options);
        });
        v1.MapGet("/{name}/versions", async (string name, CancellationToken ct) =>
        {
            DatasetNames.Validate(name);
            var history = await new DatasetInspection(store).HistoryAsync(name, ct);
            return Results.Json(new
            {
                name,
                versions = history.Select(h => new
                {
                    version = h.Version, timestamp = h.Timestamp, operation = h.Operation, metrics = h.Metrics,
                    files_added = h.FilesAdded, files_removed = h.FilesRemoved, tags = h.Tags,
                }),
            }, ServeJson.Options);
        });
        v1.MapGet("/{reference}/rows", async (HttpContext context, string reference, string? variant, CancellationToken ct) =>
        {
            var parsed = DatasetReference.Parse(reference);
            if (variant is not null) PartitionValues.Validate("variant", variant, isVariant: true);
            bool arrow = WantsArrow(context.Request.Headers.Accept.ToString());
            var snapshot = await store.SnapshotAsync(parsed, ct);
            var metadata = DatasetStore.MetadataOf(parsed.Name, snapshot);
            context.Response.StatusCode = 200;
            context.Response.Headers["X-Dataset-Version"] = $"{parsed.Name}@{snapshot.Version}";
            var files = store.ReadFilesAsync(parsed.Name, snapshot, variant, ct: ct);
            if (arrow)
            {
                context.Response.ContentType = ArrowRows.MediaType;
                await ArrowRows.WriteAsync(context.Response.Body, metadata.ObsDim, metadata.ActionDim, files, ct);
            }
            else
            {
                context.Response.ContentType = JsonlMediaType;
                await foreach (var batch in files) await TransitionExport.WriteJsonlAsync(batch, context.Response.Body, ct);
            }
        });
        var uploads = new DatasetUploads(settings, store);
        v1.MapPost("/{name}/uploads", (HttpContext context, string name, CancellationToken ct) => UploadAsync(context, name, uploads, settings.MaxUploadBytes, ct))
            .AddEndpointFilter(apiKey);
    }

    private static object Group(GroupSummary g) => new { key = g.Key, rows = g.Rows, episodes = g.Episodes, @unsafe = g.Unsafe };

    /// <summary>Arrow unless the client asks for JSON lines; an Accept naming neither (nor */*) is 406.</summary>
    private static bool WantsArrow(string accept)
    {
        if (accept.Length == 0 || accept.Contains(ArrowRows.MediaType, StringComparison.OrdinalIgnoreCase)) return true;
        if (accept.Contains(JsonlMediaType, StringComparison.OrdinalIgnoreCase) || accept.Contains("application/jsonl", StringComparison.OrdinalIgnoreCase)) return false;
        if (accept.Contains("*/*", StringComparison.Ordinal)) return true;
        throw new NotAcceptableException($"rows are served as {ArrowRows.MediaType} or {JsonlMediaType}, not '{accept}'");
    }

    private static async Task<IResult> UploadAsync(HttpContext context, string name, DatasetUploads uploads, long maxBytes, CancellationToken ct)
    {
        DatasetNames.Validate(name);
        var q = context.Request.Query;
        var format = FormatOf(context, q["format"]);
        var upload = new DatasetUpload(name, format, DatasetUpload.ExtensionOf(format), q["env"], q["allow_unknown_env"] == "true",
            q["variant"], q["source"], q["map"], q["quarantine"] == "true", context.Request.Headers["Idempotency-Key"]);
        // Everything that can be checked without the body is checked before it is read.
        upload.Validate();
        var outcome = await uploads.RunAsync(upload, path => RequestBodies.SpoolAsync(context, path, maxBytes), ct);
        var body = new
        {
            dataset = outcome.Version.Name,
            version = outcome.Version.Version,
            committed = outcome.Committed,
            rows = outcome.Rows,
            episodes = outcome.Episodes,
            @unsafe = outcome.Unsafe,
            rejected = outcome.Rejected,
            notes = outcome.Notes,
        };
        return outcome.Committed
            ? Results.Json(body, ServeJson.Options, statusCode: 201)
            : Results.Json(body, ServeJson.Options);
    }

    private static LogFormat FormatOf(HttpContext context, string? format)
    {
        if (format is not null) return LogFormats.Parse(format);
        return RequestBodies.MediaType(context)?.ToLowerInvariant() switch
        {
            "text/csv" => LogFormat.Csv,
            "application/x-ndjson" or "application/jsonl" or "application/json-lines" => LogFormat.Jsonl,
            "application/vnd.apache.parquet" or "application/x-parquet" => LogFormat.Parquet,
            "application/x-hdf5" or "application/x-hdf" => LogFormat.Hdf5,
            "application/octet-stream" => LogFormat.Auto,
            _ => throw new UnsupportedMediaTypeException(
                $"Content-Type '{context.Request.ContentType}' is not a log format: send text/csv, application/x-ndjson, application/vnd.apache.parquet or application/x-hdf5 (or name it with ?format=)"),
        };
    }
}
