using System.Globalization;
using System.Text.Json;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Ingest.Logs;

namespace OfflineSafety.Ingest;

/// <summary>One ingest: log files into one new version of a dataset.</summary>
/// <param name="CreateWithEnv">When set, the dataset is created (with this environment id) if it does not exist.</param>
public sealed record IngestRequest(
    IReadOnlyList<string> Files,
    string Dataset,
    FieldMap Map,
    LogFormat Format = LogFormat.Auto,
    string? Variant = null,
    string? Source = null,
    bool Quarantine = false,
    string? CreateWithEnv = null);

/// <summary>What an ingest committed. <see cref="RejectsKey"/> is the object holding rejected rows, if any.</summary>
public sealed record IngestOutcome(
    DatasetVersion Version,
    long Rows,
    int Episodes,
    long Unsafe,
    long Rejected,
    string? RejectsKey,
    IReadOnlyList<string> Notes);

/// <summary>
/// Reads log files, validates them, and commits all valid rows of all files as ONE dataset version.
/// Nothing is written to the store (not even a new dataset) until every file has been read and,
/// without quarantine, found valid.
/// </summary>
public sealed class DatasetIngest(DatasetStore store)
{
    public const string RejectsFolder = "_rejects/";

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
        var existing = snapshot is null ? null : DatasetStore.MetadataOf(request.Dataset, snapshot);
        if (existing is not null && request.CreateWithEnv is { } env && env != existing.EnvId)
            throw new ConflictException($"dataset '{request.Dataset}' exists with env '{existing.EnvId}', not '{env}'");

        var settings = new IngestSettings(request.Map, request.Variant, request.Source, existing?.ObsDim, existing?.ActionDim,
            request.Quarantine, snapshot is null ? 0 : NextEpisodeId(snapshot));
        var result = await Task.Run(() => LogIngest.Read(request.Files, settings, request.Format, bytesRead, ct), ct).ConfigureAwait(false);
        var batch = result.Transitions;
        if (batch.Count == 0)
            throw new InvalidDataException(result.Rejected > 0
                ? $"no valid rows: all {result.Rejected} rows were rejected, first: {result.Rejects[0].Error}"
                : "no transitions in the input files");

        if (snapshot is null)
            await store.EnsureCreatedAsync(request.Dataset, new DatasetMetadata(request.CreateWithEnv!, batch.ObsDim, batch.ActDim), ct).ConfigureAwait(false);

        string? rejectsKey = null;
        var parameters = new Dictionary<string, string>
        {
            ["files"] = JsonSerializer.Serialize(request.Files.Select(Path.GetFileName)),
            ["notes"] = JsonSerializer.Serialize(result.Notes),
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
        };
        // A stale snapshot is fine as the base: an append without metadata changes commits at the
        // next free version. A dataset created just now has no snapshot yet; the append loads it.
        var commit = snapshot is null
            ? await store.AppendAsync(request.Dataset, batch, options, ct).ConfigureAwait(false)
            : await store.AppendAsync(request.Dataset, snapshot, batch, options, ct).ConfigureAwait(false);
        return new IngestOutcome(commit.Version, batch.Count, result.Episodes, result.Unsafe, result.Rejected, rejectsKey, result.Notes);
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
