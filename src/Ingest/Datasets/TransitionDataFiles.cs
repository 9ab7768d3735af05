using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Storage;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// A dataset's Parquet data files: one per variant partition on write, whole or labels only on read.
/// Shared by the store's writers and by inspection, which only needs counts.
/// </summary>
internal static class TransitionDataFiles
{
    /// <summary>Writes one file per variant of <paramref name="batch"/> under fresh names; the caller commits them.</summary>
    public static async Task<List<AddFile>> WriteAsync(DeltaLog log, TransitionBatch batch, CancellationToken ct)
    {
        var files = new List<AddFile>();
        foreach (var (variant, part) in ByVariant(batch).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            string relative = NewRelativePath(variant);
            long size = await log.Store.WriteProducedAsync(log.Key(relative),
                (output, c) => TransitionParquet.WritePartitionFile(part, output, c), ct).ConfigureAwait(false);
            files.Add(Added(relative, variant, size, new TransitionFileStats.Accumulator().Add(part)));
        }
        return files;
    }

    /// <summary>The rows of <paramref name="batch"/> by variant, in row order; the batch itself when it holds one variant.</summary>
    public static Dictionary<string, TransitionBatch> ByVariant(TransitionBatch batch)
    {
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < batch.Count; i++)
        {
            string variant = batch.Variant[i];
            if (string.IsNullOrEmpty(variant)) throw new BadInputException($"row {i}: variant is empty; every transition names its dynamics variant");
            if (!groups.TryGetValue(variant, out var rows)) groups[variant] = rows = [];
            rows.Add(i);
        }
        return groups.ToDictionary(g => g.Key, g => g.Value.Count == batch.Count ? batch : Select(batch, g.Value), StringComparer.Ordinal);
    }

    /// <summary>A fresh data file path (relative to the table root) in the variant's partition folder.</summary>
    public static string NewRelativePath(string variant) =>
        DeltaPath.PartitionFolder(TransitionColumns.Variant, variant) + $"part-{Guid.NewGuid()}.snappy.parquet";

    /// <summary>The `add` action for a data file written at <paramref name="relative"/>.</summary>
    public static AddFile Added(string relative, string variant, long size, TransitionFileStats.Accumulator stats) =>
        new(DeltaPath.ToLogPath(relative),
            new Dictionary<string, string?> { [TransitionColumns.Variant] = variant },
            size, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), DataChange: true,
            stats.StatsJson(withVariant: false), stats.Tags());

    /// <param name="version">The table version being read, for messages.</param>
    public static async Task<TransitionBatch> ReadAsync(DeltaLog log, AddFile file, long version, DatasetMetadata metadata, CancellationToken ct)
    {
        var (key, bytes) = await ReadVerifiedAsync(log, file, version, ct).ConfigureAwait(false);
        return TransitionParquet.Read(bytes, metadata.ObsDim, metadata.ActionDim, key, PartitionVariant(file));
    }

    /// <summary>
    /// The label columns only, through ranged reads: the footer and four small column chunks come
    /// over the wire, the observation and action columns (most of the file) never do.
    /// </summary>
    public static async Task<TransitionLabels> ReadLabelsAsync(DeltaLog log, AddFile file, long version, CancellationToken ct)
    {
        string relative = DeltaPath.FromLogPath(file.Path);
        string key = log.Key(relative);
        await using var stream = await log.Store.TryOpenReadAsync(key, ct).ConfigureAwait(false)
            ?? throw Missing(log, relative, version);
        CheckSize(log, relative, version, stream.Length, file.Size);
        // The Parquet reader is synchronous; off the caller's thread, its ranged reads block a pool thread, not the caller.
        return await Task.Run(() => TransitionParquet.ReadLabels(stream, key, PartitionVariant(file)), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The file's bytes, after checking them against the add action that references it: a missing
    /// file or one whose size differs from the recorded size is damage, reported as such before any
    /// value is decoded (a truncated or replaced file must never read as different rows).
    /// </summary>
    public static async Task<(string Key, byte[] Bytes)> ReadVerifiedAsync(DeltaLog log, AddFile file, long version, CancellationToken ct)
    {
        string relative = DeltaPath.FromLogPath(file.Path);
        string key = log.Key(relative);
        var bytes = await log.Store.TryReadAsync(key, ct).ConfigureAwait(false) ?? throw Missing(log, relative, version);
        CheckSize(log, relative, version, bytes.LongLength, file.Size);
        return (key, bytes);
    }

    /// <summary>The file's variant as the log records it; null when another writer left it out.</summary>
    public static string? PartitionVariant(AddFile file) =>
        file.PartitionValues.TryGetValue(TransitionColumns.Variant, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    private static DataFileDamagedException Missing(DeltaLog log, string relative, long version) =>
        new($"{DatasetName(log)}@{version}: data file '{relative}' is missing from store '{log.Store.Location}' (the version's add action references it); run `offsafe datasets check`");

    private static void CheckSize(DeltaLog log, string relative, long version, long actual, long recorded)
    {
        if (actual != recorded)
            throw new DataFileDamagedException($"{DatasetName(log)}@{version}: data file '{relative}' has {actual} bytes, the log recorded {recorded}; run `offsafe datasets check`");
    }

    private static string DatasetName(DeltaLog log) => log.TableRoot.TrimEnd('/').Split('/')[^1];

    /// <summary>
    /// Whether <paramref name="relative"/> (a path under the table root) is named as Delta writers,
    /// <see cref="WriteAsync"/> among them, name data files: part-*.parquet inside a variant partition.
    /// </summary>
    public static bool IsOwnDataFile(string relative)
    {
        int slash = relative.LastIndexOf('/');
        string fileName = relative[(slash + 1)..];
        return slash > 0 && relative.StartsWith(TransitionColumns.Variant + "=", StringComparison.Ordinal)
            && fileName.StartsWith("part-", StringComparison.Ordinal) && fileName.EndsWith(".parquet", StringComparison.Ordinal);
    }

    /// <summary>Rows and unsafe rows of one file, from its tags when present.</summary>
    public static async Task<(long Rows, long Unsafe)> CountsAsync(DeltaLog log, AddFile file, long version, CancellationToken ct)
    {
        if (TransitionFileStats.NumRecords(file) is { } rows && TransitionFileStats.UnsafeRows(file) is { } unsafeRows)
            return (rows, unsafeRows);
        // Files from other writers may lack our tags; count from the data instead.
        var labels = await ReadLabelsAsync(log, file, version, ct).ConfigureAwait(false);
        long n = 0;
        for (int i = 0; i < labels.Count; i++) if (labels.Unsafe[i]) n++;
        return (labels.Count, n);
    }

    private static TransitionBatch Select(TransitionBatch batch, List<int> rows)
    {
        var result = new TransitionBatch(batch.ObsDim, batch.ActDim, rows.Count);
        foreach (int i in rows)
            result.Add(batch.EpisodeId[i], batch.Step[i], batch.Variant[i], batch.Source[i], batch.ObsRow(i), batch.ActionRow(i),
                batch.NextObsRow(i), batch.Reward[i], batch.Cost[i], batch.Unsafe[i], batch.Terminal[i], batch.Truncated[i]);
        return result;
    }
}
