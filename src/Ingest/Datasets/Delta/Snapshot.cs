namespace OfflineSafety.Ingest.Datasets.Delta;

/// <summary>
/// The state of a table at one version (PROTOCOL.md, "Action Reconciliation"): its protocol,
/// metadata, live data files and unexpired tombstones. Files are ordered by path so that every
/// reader of the same version sees the same order.
/// </summary>
public sealed class Snapshot
{
    internal Snapshot(long version, DateTimeOffset timestamp, ProtocolAction protocol, MetadataAction metadata,
        IReadOnlyList<AddFile> files, IReadOnlyList<RemoveFile> tombstones, IReadOnlyDictionary<string, TransactionAction> transactions)
    {
        Version = version;
        Timestamp = timestamp;
        Protocol = protocol;
        Metadata = metadata;
        Files = files;
        Tombstones = tombstones;
        Transactions = transactions;
    }

    public long Version { get; }

    /// <summary>The commit timestamp of <see cref="Version"/> (its commitInfo, else the log file's time).</summary>
    public DateTimeOffset Timestamp { get; }

    public ProtocolAction Protocol { get; }
    public MetadataAction Metadata { get; }
    public IReadOnlyList<AddFile> Files { get; }
    public IReadOnlyList<RemoveFile> Tombstones { get; }
    public IReadOnlyDictionary<string, TransactionAction> Transactions { get; }
}
