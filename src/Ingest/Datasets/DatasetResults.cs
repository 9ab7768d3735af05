using OfflineSafety.Ingest.Datasets.Delta;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>A resolved dataset version: what lineage records (name@version plus the table id).</summary>
public sealed record DatasetVersion(string Name, long Version, DateTimeOffset Timestamp, string TableId)
{
    public override string ToString() => $"{Name}@{Version}";
}

/// <summary>Options for one append commit.</summary>
public sealed record AppendOptions
{
    /// <summary>The commitInfo operation name, e.g. WRITE or INGEST.</summary>
    public string Operation { get; init; } = "WRITE";

    /// <summary>Recorded as commitInfo.operationParameters, e.g. the source file or the rejects path.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra commitInfo.operationMetrics (rows, episodes, unsafe and file counts are added by the store).</summary>
    public IReadOnlyDictionary<string, string> Metrics { get; init; } = new Dictionary<string, string>();

    /// <summary>Dynamics parameters of the variants in this append, merged into the table metadata when new.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? VariantParams { get; init; }

    /// <summary>
    /// `txn` actions committed with the data (an application's progress markers, e.g. ingest's
    /// one per input-file hash). A concurrent commit recording the same app id makes this one fail.
    /// </summary>
    public IReadOnlyList<TransactionAction> Transactions { get; init; } = [];

    /// <summary>
    /// <see cref="WriteMode.Overwrite"/>: the same commit removes every file of the version it builds
    /// on, so the new version holds exactly these rows. Earlier versions still read theirs.
    /// </summary>
    public WriteMode Mode { get; init; } = WriteMode.Append;
}

/// <summary>How a write relates to the rows already in the dataset (Delta's save modes).</summary>
public enum WriteMode { Append, Overwrite }

/// <summary>What one committed operation changed.</summary>
public sealed record CommitResult(DatasetVersion Version, int FilesAdded, int FilesRemoved, long RowsAdded, long RowsRemoved);

/// <summary>Counts for one group of rows (a variant, a source, or the whole dataset).</summary>
public sealed record GroupSummary(string Key, long Rows, long Episodes, long Unsafe)
{
    public double UnsafeFraction => Rows == 0 ? 0 : (double)Unsafe / Rows;
}

/// <summary>The content of one dataset version, as `datasets show` reports it.</summary>
public sealed record DatasetSummary(
    DatasetVersion Version,
    DatasetMetadata Metadata,
    int Files,
    long SizeBytes,
    GroupSummary Total,
    IReadOnlyList<GroupSummary> ByVariant,
    IReadOnlyList<GroupSummary> BySource);

/// <summary>One version in `datasets history`.</summary>
public sealed record HistoryEntry(
    long Version,
    DateTimeOffset Timestamp,
    string Operation,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyDictionary<string, string> Metrics,
    int FilesAdded,
    int FilesRemoved,
    IReadOnlyList<string> Tags);

/// <summary>The change from one version to another, as `datasets diff` reports it.</summary>
public sealed record DatasetDiff(
    DatasetVersion From,
    DatasetVersion To,
    IReadOnlyList<string> FilesAdded,
    IReadOnlyList<string> FilesRemoved,
    long RowsAdded,
    long RowsRemoved,
    long UnsafeAdded,
    long UnsafeRemoved)
{
    public long UnsafeChange => UnsafeAdded - UnsafeRemoved;
}

/// <summary>A tag naming a version.</summary>
public sealed record DatasetTag(string Name, long Version, DateTimeOffset Created);

/// <summary>What vacuum deleted (or would delete, in a dry run).</summary>
public sealed record VacuumResult(IReadOnlyList<string> Deleted, long BytesDeleted, int FilesKept, bool DryRun)
{
    /// <summary>Files in the table's folders that its writer did not create: never deleted, listed so a user can look.</summary>
    public IReadOnlyList<string> Foreign { get; init; } = [];
}

/// <summary>Where an export went.</summary>
public sealed record ExportResult(DatasetVersion Version, string Path, ExportFormat Format, long Rows);

public enum ExportFormat { Parquet, Csv, Jsonl }
