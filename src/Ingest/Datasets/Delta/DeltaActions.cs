namespace OfflineSafety.Ingest.Datasets.Delta;

/// <summary>
/// One line of a Delta commit file (PROTOCOL.md, "Actions"). Only the actions this store writes or
/// must understand are modelled; unknown actions are skipped on read, as the protocol requires.
/// </summary>
public abstract record DeltaAction;

/// <summary>`protocol`: the reader and writer versions a client needs.</summary>
public sealed record ProtocolAction(int MinReaderVersion, int MinWriterVersion) : DeltaAction
{
    /// <summary>Reader 1 / writer 2: plain Parquet files, no deletion vectors, column invariants honoured.</summary>
    public static ProtocolAction Supported { get; } = new(1, 2);
}

/// <summary>`metaData`: table identity, schema, partitioning and free-form configuration.</summary>
public sealed record MetadataAction(
    string Id,
    string SchemaString,
    IReadOnlyList<string> PartitionColumns,
    IReadOnlyDictionary<string, string> Configuration,
    long? CreatedTime,
    string Provider = "parquet",
    string? Name = null,
    string? Description = null) : DeltaAction;

/// <summary>`add`: a data file becomes part of the table.</summary>
public sealed record AddFile(
    string Path,
    IReadOnlyDictionary<string, string?> PartitionValues,
    long Size,
    long ModificationTime,
    bool DataChange,
    string? Stats = null,
    IReadOnlyDictionary<string, string>? Tags = null) : DeltaAction
{
    /// <summary>
    /// The `remove` for this file, carrying everything its `add` recorded (as Delta's reference
    /// writer does): partition values and size (extendedFileMetadata), stats and tags, so that a
    /// reader of one commit sees what left the table without replaying the log.
    /// </summary>
    public RemoveFile ToRemove(long deletionTimestamp, bool dataChange = true) =>
        new(Path, deletionTimestamp, dataChange, PartitionValues, Size, Stats, Tags);
}

/// <summary>`remove`: a data file leaves the table; it stays as a tombstone for vacuum's retention.</summary>
/// <remarks>Stats and tags appear in commits only; checkpoint tombstones leave them out (PROTOCOL.md, "Checkpoints").</remarks>
public sealed record RemoveFile(
    string Path,
    long? DeletionTimestamp,
    bool DataChange,
    IReadOnlyDictionary<string, string?>? PartitionValues = null,
    long? Size = null,
    string? Stats = null,
    IReadOnlyDictionary<string, string>? Tags = null) : DeltaAction
{
    public bool ExtendedFileMetadata => PartitionValues is not null && Size is not null;
}

/// <summary>`txn`: an application's progress marker, used to make retried writes idempotent.</summary>
public sealed record TransactionAction(string AppId, long Version, long? LastUpdated = null) : DeltaAction;

/// <summary>`commitInfo`: provenance of one commit. Not part of a snapshot's state; checkpoints drop it.</summary>
public sealed record CommitInfo(
    long Timestamp,
    string Operation,
    IReadOnlyDictionary<string, string> OperationParameters,
    IReadOnlyDictionary<string, string> OperationMetrics,
    string? EngineInfo = null,
    long? ReadVersion = null,
    bool? IsBlindAppend = null) : DeltaAction
{
    public const string Engine = "OfflineSafety.Ingest/1.0";
}
