using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Serve.Http;
using OfflineSafety.Serve.Sidecar;
using OfflineSafety.Storage;

namespace OfflineSafety.Serve.Models;

/// <summary>adapt's JSON body: the data (inline rows in the JSONL log shape, or a dataset and variant) and the settings.</summary>
public sealed record AdaptBody
{
    public string? Model { get; init; }
    public int? Steps { get; init; }
    public float? LearningRate { get; init; }
    public int? BatchSize { get; init; }
    public int? Seed { get; init; }
    public bool TrainRecovery { get; init; } = true;
    public string? Dataset { get; init; }
    public string? Variant { get; init; }
    public JsonElement[]? Transitions { get; init; }

    /// <summary>For inline rows: the environment whose adaptation settings apply (default: the base model's dataset's).</summary>
    public string? Env { get; init; }
}

/// <summary>What the shared state records for an adaptation key: the adapted version that holds it.</summary>
public sealed record AdaptationRecord(string Model, string AdaptationKey);

/// <summary>
/// POST /v1/models/{id}/adapt. An adaptation is keyed by what determines its result (the base
/// version, the data's content, the settings, the output name); the key is recorded in the adapted
/// card, so an identical request is answered with the stored critic, by this replica or another.
/// Identical requests in flight at once share one run. With a sidecar the key is also an entry in
/// the shared state (first writer wins), found before the registry is listed, and every run is
/// announced as critic-adapted.
/// </summary>
public sealed class CriticAdaptations(IObjectStore objects, ServeSettings settings, ServiceMetrics metrics, SharedServices shared, ILogger log)
{
    private readonly ModelRegistry _registry = new(objects);
    private readonly DatasetStore _datasets = new(objects);
    private readonly ConcurrentDictionary<string, Lazy<Task<ModelCard>>> _inflight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ModelCard> _done = new(StringComparer.Ordinal);

    // Inline requests by (resolved base, SHA-256 of the body bytes): a byte-identical repeat is
    // answered without parsing its rows again. Only inline bodies: they carry all of their data.
    private readonly ConcurrentDictionary<string, ModelCard> _byBody = new(StringComparer.Ordinal);
    private const int MaxRemembered = 10_000;

    public async Task<IResult> HandleAsync(HttpContext context, ModelReference baseReference, CancellationToken ct)
    {
        long start = settings.Time.GetTimestamp();
        var (body, inlineFile, bodyHash) = await ReadBodyAsync(context).ConfigureAwait(false);
        try
        {
            var baseCard = await _registry.ResolveAsync(baseReference, ct).ConfigureAwait(false);
            string? bodyKey = bodyHash is not null ? $"{baseCard.Reference}\n{bodyHash}" : null;
            if (bodyKey is not null && _byBody.TryGetValue(bodyKey, out var repeated))
            {
                metrics.CacheHit("adaptation_memory");
                return Answer(repeated, cached: true, start);
            }
            // Only a request that is not a repeat pays for spooling its inline rows to a file for ingest.
            if (body.Transitions is not null) inlineFile = await SpoolJsonRowsAsync(body.Transitions).ConfigureAwait(false);
            string model = body.Model ?? $"{baseCard.Name}-adapted";
            ModelReference.ValidateName(model);
            if (body.Steps is < 1 or > 100_000) throw new BadInputException($"'steps' must be 1 to 100000, got {body.Steps}");
            if (body.BatchSize is < 1 or > 65_536) throw new BadInputException($"'batch_size' must be 1 to 65536, got {body.BatchSize}");
            if (body.LearningRate is { } lr && (!float.IsFinite(lr) || lr <= 0)) throw new BadInputException($"'learning_rate' must be a positive number, got {lr}");
            var request = new AdaptationRequest
            {
                BaseModel = baseCard.Reference,
                Dataset = body.Dataset ?? "inline",
                Variant = body.Variant ?? IngestSettings.DefaultVariant,
                Model = model,
                Steps = body.Steps,
                LearningRate = body.LearningRate,
                BatchSize = body.BatchSize,
                Seed = body.Seed,
                TrainRecoveryPolicy = body.TrainRecovery,
            };

            LoadedDataset? inline = null;
            string dataIdentity;
            if (inlineFile is not null)
            {
                inline = await ReadInlineAsync(inlineFile, baseCard, body, ct).ConfigureAwait(false);
                dataIdentity = inline.Lineage.TableId!;
            }
            else
            {
                if (body.Dataset is null || body.Variant is null) throw new BadInputException("adapt needs 'transitions', or 'dataset' and 'variant'");
                var version = await _datasets.ResolveAsync(DatasetReference.Parse(body.Dataset), ct).ConfigureAwait(false);
                request = request with { Dataset = version.ToString() };
                dataIdentity = $"dataset:{version.TableId}@{version.Version}";
            }
            string key = KeyOf(request, dataIdentity);
            request = request with { AdaptationKey = key };

            var (card, cached) = await AdaptOnceAsync(request, inline, ct).ConfigureAwait(false);
            if (bodyKey is not null) Remember(_byBody, bodyKey, card);
            return Answer(card, cached, start);
        }
        finally
        {
            if (inlineFile is not null) TryDelete(Path.GetDirectoryName(inlineFile)!);
        }
    }

    private IResult Answer(ModelCard card, bool cached, long start)
    {
        var answer = new
        {
            model = card.Reference,
            base_model = card.Lineage.BaseModel,
            dataset = card.Lineage.Dataset.ToString(),
            cached,
            adaptation_key = card.AdaptationKey,
            metrics = card.Metrics,
            server_ms = settings.Time.GetElapsedTime(start).TotalMilliseconds,
        };
        return Results.Json(answer, ServeJson.Options, statusCode: cached ? 200 : 201);
    }

    /// <summary>Bounded memory: past the bound the map starts over (the registry still answers).</summary>
    private static void Remember(ConcurrentDictionary<string, ModelCard> map, string key, ModelCard card)
    {
        if (map.Count >= MaxRemembered) map.Clear();
        map[key] = card;
    }

    private async Task<(ModelCard Card, bool Cached)> AdaptOnceAsync(AdaptationRequest request, LoadedDataset? inline, CancellationToken ct)
    {
        string key = request.AdaptationKey!;
        if (_done.TryGetValue(key, out var known))
        {
            metrics.CacheHit("adaptation_memory");
            return (known, true);
        }
        bool ran = false;
        var lazy = _inflight.GetOrAdd(key, _ => new Lazy<Task<ModelCard>>(async () =>
        {
            // Not the caller's token: every identical request in flight waits on this run.
            if (await FindSharedAsync(key).ConfigureAwait(false) is { } known)
            {
                metrics.CacheHit("adaptation_shared");
                return known;
            }
            if (await FindStoredAsync(request.Model, key).ConfigureAwait(false) is { } stored)
            {
                metrics.CacheHit("adaptation_registry");
                await shared.State.TryAddAsync(SharedKey(key), new AdaptationRecord(stored.Reference, key), CancellationToken.None).ConfigureAwait(false);
                return stored;
            }
            ran = true;
            metrics.AdaptationRun();
            var job = new AdaptationJob(objects);
            var result = inline is null
                ? await job.RunAsync(request, ct: CancellationToken.None).ConfigureAwait(false)
                : await job.RunAsync(request, inline, ct: CancellationToken.None).ConfigureAwait(false);
            await AnnounceAsync(result.Card, key).ConfigureAwait(false);
            // A replica that adapted the same request at the same moment may have recorded its
            // version first: then that one is the answer everywhere (both versions carry the key).
            if (!await shared.State.TryAddAsync(SharedKey(key), new AdaptationRecord(result.Card.Reference, key), CancellationToken.None).ConfigureAwait(false)
                && await FindSharedAsync(key).ConfigureAwait(false) is { } first)
                return first;
            return result.Card;
        }));
        try
        {
            var card = await lazy.Value.WaitAsync(ct).ConfigureAwait(false);
            Remember(_done, key, card);
            if (!ran && lazy.IsValueCreated) metrics.CacheHit("adaptation_inflight");
            return (card, !ran);
        }
        finally
        {
            if (lazy.Value.IsCompleted) _inflight.TryRemove(new KeyValuePair<string, Lazy<Task<ModelCard>>>(key, lazy));
        }
    }

    private static string SharedKey(string adaptationKey) => "adaptation/" + adaptationKey;

    /// <summary>The adapted version the shared state records for this key, if it is still in the registry.</summary>
    private async Task<ModelCard?> FindSharedAsync(string key)
    {
        if (await shared.State.GetAsync<AdaptationRecord>(SharedKey(key), CancellationToken.None).ConfigureAwait(false) is not { } record) return null;
        try
        {
            return await _registry.ResolveAsync(ModelReference.Parse(record.Model), CancellationToken.None).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            // Removed from the registry since: adapt again.
            return null;
        }
    }

    private async Task AnnounceAsync(ModelCard card, string key)
    {
        try
        {
            await shared.Events.PublishAsync(Topics.CriticAdapted,
                new CriticAdaptedEvent(card.Reference, card.Lineage.BaseModel ?? "", card.Lineage.Dataset.ToString(), key), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The adapted critic is in the registry and the answer must name it; the event is a notification.
            log.LogWarning("{Topic}: publishing {Model} failed: {Error}", Topics.CriticAdapted, card.Reference, ex.Message);
        }
    }

    private async Task<ModelCard?> FindStoredAsync(string model, string key)
    {
        try
        {
            var versions = await _registry.ListVersionsAsync(model, CancellationToken.None).ConfigureAwait(false);
            return versions.LastOrDefault(c => c.AdaptationKey == key);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>SHA-256 over everything that determines the adapted weights, in a fixed text form.</summary>
    private static string KeyOf(AdaptationRequest r, string dataIdentity)
    {
        string text = string.Join('\n', "offsafe-adapt/1", r.BaseModel, dataIdentity, r.Variant, r.Model,
            Invariant(r.Steps), Invariant(r.LearningRate), Invariant(r.BatchSize), Invariant(r.Seed), r.TrainRecoveryPolicy ? "recovery" : "no-recovery");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static string Invariant<T>(T? value) where T : struct, IFormattable =>
        value is { } v ? v.ToString(null, CultureInfo.InvariantCulture) : "default";

    /// <summary>
    /// The body, read whole under its limit: JSON (settings, and inline rows written to a JSONL
    /// spool file) or Parquet (rows; settings from the query).
    /// </summary>
    private async Task<(AdaptBody Body, string? InlineFile, string? BodyHash)> ReadBodyAsync(HttpContext context)
    {
        string? type = RequestBodies.MediaType(context);
        if (string.Equals(type, "application/vnd.apache.parquet", StringComparison.OrdinalIgnoreCase))
        {
            var q = context.Request.Query;
            var body = new AdaptBody
            {
                Model = q["model"], Variant = q["variant"], Env = q["env"],
                Steps = IntQuery(q["steps"], "steps"), BatchSize = IntQuery(q["batch_size"], "batch_size"), Seed = IntQuery(q["seed"], "seed"),
                LearningRate = q["learning_rate"].Count == 0 ? null
                    : float.TryParse(q["learning_rate"], NumberStyles.Float, CultureInfo.InvariantCulture, out float lr) ? lr
                    : throw new BadInputException("'learning_rate' is not a number"),
                TrainRecovery = q["train_recovery"] != "false",
            };
            string path = NewSpoolFile(".parquet");
            await RequestBodies.SpoolAsync(context, path, settings.MaxUploadBytes).ConfigureAwait(false);
            return (body, path, null);
        }
        var bytes = await RequestBodies.ReadJsonBytesAsync(context, settings.MaxJsonBytes).ConfigureAwait(false);
        var json = RequestBodies.Parse<AdaptBody>(bytes);
        if (json.Transitions is null) return (json, null, null);
        if (json.Dataset is not null) throw new BadInputException("adapt takes 'transitions' or 'dataset', not both");
        if (json.Transitions.Length == 0) throw new BadInputException("'transitions' is empty");
        return (json, null, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    /// <summary>Inline JSON rows as a JSON-lines file, so they take `offsafe ingest`'s reading and checks.</summary>
    private async Task<string> SpoolJsonRowsAsync(JsonElement[] rows)
    {
        string file = NewSpoolFile(".jsonl");
        await using var stream = File.Create(file);
        await using var writer = new Utf8JsonWriter(stream);
        foreach (var row in rows)
        {
            row.WriteTo(writer);
            writer.Flush();
            writer.Reset();
            stream.WriteByte((byte)'\n');
        }
        await stream.FlushAsync().ConfigureAwait(false);
        return file;
    }

    private static int? IntQuery(string? text, string name) =>
        text is null ? null : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new BadInputException($"'{name}' is not an integer: {Excerpts.Of(text)}");

    /// <summary>Inline rows through the ingest readers (the same validation and labels as an upload), against the base's dims.</summary>
    private async Task<LoadedDataset> ReadInlineAsync(string file, ModelCard baseCard, AdaptBody body, CancellationToken ct)
    {
        PartitionValues.Validate("variant", body.Variant, isVariant: true);
        var ingest = new IngestSettings(FieldMap.Parse(null), body.Variant, "inline", baseCard.ObsDim, baseCard.ActDim);
        var format = file.EndsWith(".parquet", StringComparison.Ordinal) ? LogFormat.Parquet : LogFormat.Jsonl;
        LogIngestResult read;
        try
        {
            read = await Task.Run(() => LogIngest.Read([file], ingest, format, null, ct), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or NotSupportedException)
        {
            throw new BadInputException($"transitions: {ex.Message}", ex);
        }
        if (read.Transitions.Count == 0) throw new BadInputException("transitions: no rows");
        string env = body.Env ?? await BaseEnvAsync(baseCard, ct).ConfigureAwait(false);
        var metadata = new DatasetMetadata(env, baseCard.ObsDim, baseCard.ActDim);
        var lineage = new DatasetLineage("inline", 0, "sha256:" + ContentHash(read.Transitions), TaskRows.Variants(read.Transitions));
        return new LoadedDataset(lineage, metadata, read.Transitions);
    }

    private async Task<string> BaseEnvAsync(ModelCard baseCard, CancellationToken ct)
    {
        var d = baseCard.Lineage.Dataset;
        try
        {
            var snapshot = await _datasets.SnapshotAsync(new DatasetReference(d.Name, d.Version.ToString(CultureInfo.InvariantCulture)), ct).ConfigureAwait(false);
            return DatasetStore.MetadataOf(d.Name, snapshot).EnvId;
        }
        catch (NotFoundException)
        {
            throw new BadInputException($"the base model's dataset {d} is not in this store; name the environment with 'env'");
        }
    }

    /// <summary>The rows' content, independent of how they were sent (JSON formatting, Parquet encoding).</summary>
    private static string ContentHash(TransitionBatch b)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(MemoryMarshal.AsBytes(b.Obs));
        h.AppendData(MemoryMarshal.AsBytes(b.Action));
        h.AppendData(MemoryMarshal.AsBytes(b.NextObs));
        h.AppendData(MemoryMarshal.AsBytes(b.Cost));
        h.AppendData(MemoryMarshal.AsBytes(b.Unsafe));
        h.AppendData(MemoryMarshal.AsBytes(b.Terminal));
        h.AppendData(MemoryMarshal.AsBytes(b.EpisodeId));
        foreach (var v in b.Variant) h.AppendData(Encoding.UTF8.GetBytes(v + "\n"));
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    private string NewSpoolFile(string extension)
    {
        string folder = Path.Combine(settings.SpoolFolder, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, "transitions" + extension);
    }

    private static void TryDelete(string folder)
    {
        try { Directory.Delete(folder, recursive: true); }
        catch (IOException) { }
    }
}
