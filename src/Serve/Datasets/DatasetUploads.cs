using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using OfflineSafety.Envs;
using OfflineSafety.Errors;
using OfflineSafety.Ingest;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Serve.Sidecar;

namespace OfflineSafety.Serve.Datasets;

/// <summary>One log to ingest as a new version, as an HTTP upload or an accident-logs event describes it.</summary>
/// <param name="Key">The idempotency key: the Idempotency-Key header, or the CloudEvent's source and id.</param>
public sealed record LogUpload(
    string Dataset,
    LogFormat Format,
    FieldMap Map,
    string? Variant = null,
    string? Source = null,
    bool Quarantine = false,
    string? CreateWithEnv = null,
    bool AllowUnknownEnv = false,
    string? Key = null);

/// <summary>What a replica records in the shared state for an idempotency key: the version it made, and of what.</summary>
public sealed record UploadRecord(string Dataset, long Version, string ContentSha256, long Rows, int Episodes, long Unsafe, long Rejected);

/// <summary>
/// The one ingest path of the service: an upload and an accident-logs event both spool their log to
/// a temp file and give it to <see cref="DatasetIngest"/>, so they get exactly the validation,
/// labels and atomicity of `offsafe ingest`, and the idempotency key becomes the commit's txn
/// action. With a sidecar the key is also kept in the shared state (a retry is answered from there
/// without reading the Delta history), and each committed version is announced as dataset-versioned.
/// </summary>
public sealed class DatasetUploads(DatasetStore store, ServeSettings settings, SharedServices shared, ILogger log)
{
    public DatasetStore Store => store;

    /// <summary>Everything about an upload that can be checked before its body is read.</summary>
    public static void Validate(LogUpload upload)
    {
        DatasetNames.Validate(upload.Dataset);
        if (upload.CreateWithEnv is { } env)
        {
            EnvironmentIds.Validate(env);
            if (!upload.AllowUnknownEnv && !EnvironmentRegistry.Default.All.Any(d => d.Id == env))
                throw new BadInputException($"unknown environment {Excerpts.Of(env)} (known: {string.Join(", ", EnvironmentRegistry.Default.All.Select(d => d.Id))}); add allow_unknown_env=true for another environment");
        }
        PartitionValues.Validate("variant", upload.Variant, isVariant: true);
        PartitionValues.Validate("source", upload.Source, isVariant: false);
    }

    /// <summary>
    /// Spools the log through <paramref name="spool"/> (which writes the file at the path it is given),
    /// ingests it, and answers with the outcome; the spool file is gone afterwards.
    /// </summary>
    public async Task<IngestOutcome> IngestAsync(LogUpload upload, Func<string, CancellationToken, Task> spool, CancellationToken ct)
    {
        Validate(upload);
        string folder = Path.Combine(settings.SpoolFolder, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            // The file name is what the commit's history records as the ingested file.
            string path = Path.Combine(folder, "upload" + Extension(upload.Format));
            await spool(path, ct).ConfigureAwait(false);
            return await IngestFileAsync(upload, path, ct).ConfigureAwait(false);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { }
        }
    }

    private async Task<IngestOutcome> IngestFileAsync(LogUpload upload, string path, CancellationToken ct)
    {
        string? stateKey = null, content = null;
        if (upload.Key is { } key)
        {
            stateKey = StateKey(upload.Dataset, key);
            content = await HashAsync(path, ct).ConfigureAwait(false);
            if (await shared.State.GetAsync<UploadRecord>(stateKey, ct).ConfigureAwait(false) is { } known)
                return await ReplayAsync(upload, key, known, content, ct).ConfigureAwait(false);
        }
        var request = new IngestRequest([path], upload.Dataset, upload.Map, upload.Format, upload.Variant, upload.Source ?? "upload",
            upload.Quarantine, upload.CreateWithEnv, RequestKey: upload.Key);
        IngestOutcome outcome;
        try
        {
            outcome = await new DatasetIngest(store).RunAsync(request, ct: ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or NotSupportedException)
        {
            // The ingest parsed only the spooled log: a damaged or unreadable log is the sender's input.
            throw new BadInputException($"upload: {ex.Message}", ex);
        }
        if (stateKey is not null) await RememberAsync(stateKey, outcome, content!, ct).ConfigureAwait(false);
        if (outcome.Committed) await AnnounceAsync(outcome, ct).ConfigureAwait(false);
        return outcome;
    }

    private async Task RememberAsync(string stateKey, IngestOutcome outcome, string content, CancellationToken ct)
    {
        var v = outcome.Version;
        try
        {
            await shared.State.TryAddAsync(stateKey, new UploadRecord(v.Name, v.Version, content, outcome.Rows, outcome.Episodes, outcome.Unsafe, outcome.Rejected), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The commit's txn action holds the key already; the shared entry only spares a retry the history scan.
            log.LogWarning("idempotency key for {Dataset}@{Version} not kept in the shared state: {Error}", v.Name, v.Version, ex.Message);
        }
    }

    /// <summary>A key another request (on any replica) already committed: its version, after checking it was the same log.</summary>
    private async Task<IngestOutcome> ReplayAsync(LogUpload upload, string key, UploadRecord known, string content, CancellationToken ct)
    {
        if (known.ContentSha256 != content)
            throw new ConflictException($"dataset '{upload.Dataset}': request key {Excerpts.Of(key)} was used for other content (version {known.Version}); use a new key for new data");
        var version = await store.ResolveAsync(new DatasetReference(upload.Dataset, known.Version.ToString(CultureInfo.InvariantCulture)), ct).ConfigureAwait(false);
        return new IngestOutcome(version, known.Rows, known.Episodes, known.Unsafe, known.Rejected, null,
            [$"request key {Excerpts.Of(key)} was already committed as version {known.Version}; nothing committed"])
        { Committed = false };
    }

    private async Task AnnounceAsync(IngestOutcome outcome, CancellationToken ct)
    {
        var v = outcome.Version;
        try
        {
            await shared.Events.PublishAsync(Topics.DatasetVersioned, new DatasetVersionedEvent(v.Name, v.Version, outcome.Rows, outcome.Unsafe, v.TableId), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The version is committed and the answer must say so; a scheduler that missed the event
            // still finds the version by polling the log (docs/plans.md).
            log.LogWarning("{Topic}: publishing {Dataset}@{Version} failed: {Error}", Topics.DatasetVersioned, v.Name, v.Version, ex.Message);
        }
    }

    private static string StateKey(string dataset, string key) =>
        $"upload/{dataset}/{Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))}";

    private static async Task<string> HashAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false));
    }

    private static string Extension(LogFormat format) => format switch
    {
        LogFormat.Csv => ".csv",
        LogFormat.Jsonl => ".jsonl",
        LogFormat.Parquet => ".parquet",
        LogFormat.Hdf5 => ".h5",
        _ => ".bin",
    };
}
