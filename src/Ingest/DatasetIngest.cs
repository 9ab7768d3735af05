using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Storage;

namespace OfflineSafety.Ingest;

/// <summary>One ingest: log files into one new version of a dataset.</summary>
/// <param name="CreateWithEnv">When set, the dataset is created (with this environment id) if it does not exist.</param>
/// <param name="AllowDuplicate">Ingest files whose content the dataset already holds (by SHA-256) instead of skipping them.</param>
/// <param name="RequestKey">
/// A caller's idempotency key (an HTTP Idempotency-Key, an event id): recorded in the commit as a
/// `txn` action, so a retry answers with the version that holds it and two racing requests commit once.
/// </param>
public sealed record IngestRequest(
    IReadOnlyList<string> Files,
    string Dataset,
    FieldMap Map,
    LogFormat Format = LogFormat.Auto,
    string? Variant = null,
    string? Source = null,
    bool Quarantine = false,
    string? CreateWithEnv = null,
    bool AllowDuplicate = false,
    string? RequestKey = null);

/// <summary>What an ingest committed. <see cref="RejectsKey"/> is the object holding rejected rows, if any.</summary>
public sealed record IngestOutcome(
    DatasetVersion Version,
    long Rows,
    int Episodes,
    long Unsafe,
    long Rejected,
    string? RejectsKey,
    IReadOnlyList<string> Notes)
{
    /// <summary>Input files skipped because the dataset already held their content (or an earlier file of this ingest did).</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    /// <summary>False when every file was a duplicate: nothing was written and <see cref="Version"/> is the current one.</summary>
    public bool Committed { get; init; } = true;
}

/// <summary>
/// Reads log files, validates them, and commits all valid rows of all files as ONE dataset version.
/// Data files are written while the files are read (reading, encoding and upload overlap), but no
/// object becomes visible until every file has been read and, without quarantine, found valid; a
/// new dataset is created only after the data files are written. Each file's SHA-256 is
/// recorded as a `txn` action, and content the dataset already holds is skipped (docs/ingest.md).
/// </summary>
public sealed class DatasetIngest(DatasetStore store)
{
    public const string RejectsFolder = "_rejects/";

    /// <summary>
    /// The `txn` appId prefix recording that a file's content was ingested: appId = prefix + the
    /// lowercase hex SHA-256 of the file's bytes; its version counts the commits of that content.
    /// Snapshots and checkpoints carry txn actions, so the duplicate check needs no history scan.
    /// </summary>
    public const string FileHashAppIdPrefix = "offsafe.ingest.sha256:";

    /// <summary>
    /// The `txn` appId prefix recording a caller's request key: appId = prefix + the lowercase hex
    /// SHA-256 of the key (keys are caller text of any shape; the hash is a safe, bounded appId).
    /// </summary>
    public const string RequestKeyAppIdPrefix = "offsafe.ingest.request:";

    public static string RequestKeyAppId(string key) =>
        RequestKeyAppIdPrefix + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));

    public async Task<IngestOutcome> RunAsync(IngestRequest request, IProgress<long>? bytesRead = null, CancellationToken ct = default)
    {
        // The one snapshot this ingest reads: the dimensions to validate against, the next episode
        // id and the base of the append all come from it (null: the dataset is still to be created).
        Snapshot? snapshot = null;
        if (request.CreateWithEnv is { } envId) EnvironmentIds.Validate(envId);
        try
        {
            snapshot = await store.SnapshotAsync(DatasetReference.Parse(request.Dataset), ct).ConfigureAwait(false);
        }
        catch (DatasetNotFoundException) when (request.CreateWithEnv is not null)
        {
        }
        catch (DatasetNotFoundException ex)
        {
            throw new NotFoundException($"dataset '{request.Dataset}' does not exist in store '{store.Objects.Location}'; add --create --env ENV_ID to create it", ex);
        }
        if (request.RequestKey is { } key && snapshot is not null && snapshot.Transactions.ContainsKey(RequestKeyAppId(key)))
            return await ReplayAsync(request, key, ct).ConfigureAwait(false);
        var existing = snapshot is null ? null : DatasetStore.MetadataOf(request.Dataset, snapshot);
        if (existing is not null && request.CreateWithEnv is { } env && env != existing.EnvId)
            throw new ConflictException($"dataset '{request.Dataset}' exists with env '{existing.EnvId}', not '{env}'");

        var (files, hashes, skipped, skipNotes, txns) = await SelectFilesAsync(request, snapshot, ct).ConfigureAwait(false);
        if (request.RequestKey is { } requestKey)
            txns.Add(new TransactionAction(RequestKeyAppId(requestKey), 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        if (files.Count == 0 && skipped.Count > 0)
        {
            // Every file is already in the dataset (a retry of a commit whose answer was lost, or a
            // repeated command): nothing to write, and the answer names the version that holds them.
            return new IngestOutcome(DatasetStore.ToVersion(request.Dataset, snapshot!), 0, 0, 0, 0, null,
                [.. skipNotes, "all input files are already in the dataset; nothing committed"])
            { Skipped = skipped, Committed = false };
        }

        var settings = new IngestSettings(request.Map, request.Variant, request.Source, existing?.ObsDim, existing?.ActionDim,
            request.Quarantine, snapshot is null ? 0 : NextEpisodeId(snapshot));
        // A dataset to create is checked before any data file is written, so a refused name leaves nothing behind.
        if (snapshot is null) await store.PrepareCreateAsync(request.Dataset, ct).ConfigureAwait(false);
        // Data files are written while the log is still being read; they become visible only if the
        // whole log is accepted, and only a commit makes them part of the dataset.
        var (result, written) = await StreamedDataFiles.WriteWhileReadingAsync(store.Log(request.Dataset),
            batches => LogIngest.Read(files, settings, request.Format, bytesRead, ct, batches), ct).ConfigureAwait(false);
        var dims = result.Transitions;
        if (written.Rows == 0)
            throw new InvalidDataException(result.Rejected > 0
                ? $"no valid rows: all {result.Rejected} rows were rejected, first: {result.Rejects[0].Error}"
                : "no transitions in the input files");

        string? rejectsKey = null;
        var parameters = new Dictionary<string, string>
        {
            ["files"] = JsonSerializer.Serialize(files.Select(Path.GetFileName)),
            ["notes"] = JsonSerializer.Serialize(result.Notes),
            // For people reading history; the txn actions below are what the duplicate check reads.
            ["fileHashes"] = JsonSerializer.Serialize(hashes.Select(h => new Dictionary<string, string> { ["file"] = h.File, ["sha256"] = h.Hash })),
        };
        if (result.Rejects.Count > 0)
        {
            // Written before the commit, like data files: a crash leaves an unreferenced object, never a dangling reference.
            string relative = $"{RejectsFolder}{Guid.NewGuid():N}.jsonl";
            rejectsKey = $"{DatasetStore.Prefix}{request.Dataset}/{relative}";
            await store.Objects.WriteAsync(rejectsKey, RejectsFile.Serialize(result.Rejects), ct).ConfigureAwait(false);
            parameters["rejects"] = relative;
        }
        var options = new AppendOptions
        {
            Operation = "INGEST",
            Parameters = parameters,
            Metrics = new Dictionary<string, string> { ["rejectedRows"] = result.Rejected.ToString(CultureInfo.InvariantCulture) },
            Transactions = txns,
        };
        CommitResult commit;
        try
        {
            // A stale snapshot is fine as the base: an append without metadata changes commits at the
            // next free version, and a concurrent commit of the same file hash (same txn appId) fails it.
            // A dataset to create is created only after the data files are written, so a failure
            // before the commit leaves no empty dataset behind.
            commit = await store.CommitWrittenAsync(request.Dataset, snapshot,
                snapshot is null ? new DatasetMetadata(request.CreateWithEnv!, dims.ObsDim, dims.ActDim) : null, written, options, ct).ConfigureAwait(false);
        }
        catch (DeltaConflictException ex) when (request.RequestKey is not null || ex.Message.Contains(FileHashAppIdPrefix, StringComparison.Ordinal))
        {
            // A concurrent request with the same key won: its version is the answer to this one too.
            if (request.RequestKey is { } raced && await HoldsKeyAsync(request.Dataset, raced, ct).ConfigureAwait(false))
                return await ReplayAsync(request, raced, ct).ConfigureAwait(false);
            if (!ex.Message.Contains(FileHashAppIdPrefix, StringComparison.Ordinal)) throw;
            throw new ConflictException($"dataset '{request.Dataset}': another ingest committed the same file content while this one ran; nothing was committed, and a rerun skips what is already there", ex);
        }
        return new IngestOutcome(commit.Version, written.Rows, result.Episodes, result.Unsafe, result.Rejected, rejectsKey, [.. skipNotes, .. result.Notes])
        { Skipped = skipped };
    }

    private async Task<bool> HoldsKeyAsync(string dataset, string key, CancellationToken ct)
    {
        var latest = await store.SnapshotAsync(DatasetReference.Parse(dataset), ct).ConfigureAwait(false);
        return latest.Transactions.ContainsKey(RequestKeyAppId(key));
    }

    /// <summary>
    /// The answer to a request whose key a commit already holds: that commit's version, nothing
    /// written. The same key with other content is a conflict, not a replay.
    /// </summary>
    private async Task<IngestOutcome> ReplayAsync(IngestRequest request, string key, CancellationToken ct)
    {
        string appId = RequestKeyAppId(key);
        var commits = await store.Log(request.Dataset).HistoryAsync(ct).ConfigureAwait(false);
        var holder = commits.LastOrDefault(c => c.Actions.OfType<TransactionAction>().Any(t => t.AppId == appId))
            ?? throw new ConflictException($"dataset '{request.Dataset}': request key {Excerpts.Of(key)} is recorded, but the commit holding it is no longer in the log");
        var ours = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in request.Files) ours.Add(FileHashAppIdPrefix + await HashAsync(path, ct).ConfigureAwait(false));
        var theirs = holder.Actions.OfType<TransactionAction>().Select(t => t.AppId).Where(a => a.StartsWith(FileHashAppIdPrefix, StringComparison.Ordinal));
        if (!ours.SetEquals(theirs))
            throw new ConflictException($"dataset '{request.Dataset}': request key {Excerpts.Of(key)} was used for other content (version {holder.Version}); use a new key for new data");
        long Metric(string name) => holder.Info?.OperationMetrics?.TryGetValue(name, out var v) == true && long.TryParse(v, CultureInfo.InvariantCulture, out long n) ? n : 0;
        var version = await store.ResolveAsync(new DatasetReference(request.Dataset, holder.Version.ToString(CultureInfo.InvariantCulture)), ct).ConfigureAwait(false);
        return new IngestOutcome(version, Metric("rows"), (int)Metric("episodes"), Metric("unsafe"), Metric("rejectedRows"), null,
            [$"request key {Excerpts.Of(key)} was already committed as version {holder.Version}; nothing committed"])
        { Committed = false };
    }

    /// <summary>
    /// Hashes every input file and splits them into those to read and those to skip: content the
    /// snapshot already records (a txn per hash), or that an earlier file of this request has.
    /// </summary>
    private static async Task<(List<string> Files, List<(string File, string Hash)> Hashes, List<string> Skipped, List<string> Notes, List<TransactionAction> Txns)>
        SelectFilesAsync(IngestRequest request, Snapshot? snapshot, CancellationToken ct)
    {
        var files = new List<string>();
        var skipped = new List<string>();
        var notes = new List<string>();
        var hashes = new List<(string, string)>();
        var txns = new List<TransactionAction>();
        var seen = new Dictionary<string, (string File, int Index)>(StringComparer.Ordinal);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var path in request.Files)
        {
            string hash = await HashAsync(path, ct).ConfigureAwait(false);
            string appId = FileHashAppIdPrefix + hash;
            TransactionAction? recorded = null;
            snapshot?.Transactions.TryGetValue(appId, out recorded);
            if (!request.AllowDuplicate && (recorded is not null || seen.ContainsKey(hash)))
            {
                skipped.Add(path);
                notes.Add(recorded is not null
                    ? $"{Path.GetFileName(path)}: skipped, its content (sha256 {hash}) is already in the dataset"
                      + (recorded.LastUpdated is { } at ? $" (ingested {DateTimeOffset.FromUnixTimeMilliseconds(at).UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)" : "")
                      + "; --allow-duplicate ingests it again"
                    : $"{Path.GetFileName(path)}: skipped, same content (sha256 {hash}) as {Path.GetFileName(seen[hash].File)}; --allow-duplicate ingests both");
                continue;
            }
            files.Add(path);
            hashes.Add((Path.GetFileName(path), hash));
            // One txn per distinct hash in a commit (the protocol allows one action per appId); its
            // version counts how often that content has been committed.
            if (seen.TryGetValue(hash, out var first))
            {
                txns[first.Index] = txns[first.Index] with { Version = txns[first.Index].Version + 1 };
                continue;
            }
            seen[hash] = (path, txns.Count);
            txns.Add(new TransactionAction(appId, (recorded?.Version ?? 0) + 1, now));
        }
        return (files, hashes, skipped, notes, txns);
    }

    private static async Task<string> HashAsync(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false));
    }

    /// <summary>Derived episode ids continue after the dataset's largest, so appends never merge episodes.</summary>
    private static long NextEpisodeId(Snapshot snapshot)
    {
        long next = 0;
        foreach (var file in snapshot.Files)
            if (TransitionFileStats.Bounds(file, "episode_id") is { } b && b.Max.ValueKind == JsonValueKind.Number)
                next = Math.Max(next, b.Max.GetInt64() + 1);
        return next;
    }
}

/// <summary>The <c>_rejects/</c> file format: JSON Lines, one rejected row each, with its raw text and reason.</summary>
public static class RejectsFile
{
    public static byte[] Serialize(IEnumerable<RejectedRow> rejects)
    {
        using var buffer = new MemoryStream();
        foreach (var r in rejects)
        {
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("file", r.Error.File);
                w.WriteNumber("row", r.Error.Row);
                w.WriteString("column", r.Error.Column);
                w.WriteString("reason", r.Error.Reason);
                w.WriteString("raw", r.RawText);
                w.WriteEndObject();
            }
            buffer.WriteByte((byte)'\n');
        }
        return buffer.ToArray();
    }
}
