namespace OfflineSafety.Ingest.Datasets.Delta;

/// <summary>Applies actions in commit order, keeping only the newest reference to each file.</summary>
internal sealed class LogReplay
{
    private readonly Dictionary<string, AddFile> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RemoveFile> _tombstones = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TransactionAction> _transactions = new(StringComparer.Ordinal);
    private ProtocolAction? _protocol;
    private MetadataAction? _metadata;

    public LogReplay()
    {
    }

    /// <summary>Continues from an earlier snapshot's state.</summary>
    public LogReplay(Snapshot from)
    {
        foreach (var f in from.Files) _files[f.Path] = f;
        foreach (var t in from.Tombstones) _tombstones[t.Path] = t;
        foreach (var (app, txn) in from.Transactions) _transactions[app] = txn;
        _protocol = from.Protocol;
        _metadata = from.Metadata;
    }

    public void Apply(DeltaAction action)
    {
        switch (action)
        {
            case AddFile add:
                _files[add.Path] = add;
                _tombstones.Remove(add.Path);
                break;
            case RemoveFile remove:
                _files.Remove(remove.Path);
                _tombstones[remove.Path] = remove;
                break;
            case MetadataAction metadata:
                _metadata = metadata;
                break;
            case ProtocolAction protocol:
                _protocol = protocol;
                break;
            case TransactionAction txn:
                _transactions[txn.AppId] = txn;
                break;
        }
    }

    public Snapshot ToSnapshot(long version, DateTimeOffset timestamp, string table)
    {
        var protocol = _protocol ?? throw new InvalidDataException($"table '{table}' version {version}: the log has no protocol action");
        var metadata = _metadata ?? throw new InvalidDataException($"table '{table}' version {version}: the log has no metaData action");
        if (protocol.MinReaderVersion > ProtocolAction.Supported.MinReaderVersion)
            throw new OfflineSafety.Errors.BadInputException($"table '{table}' needs Delta reader version {protocol.MinReaderVersion}; this reader implements {ProtocolAction.Supported.MinReaderVersion}");
        var files = _files.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToArray();
        var tombstones = _tombstones.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToArray();
        return new Snapshot(version, timestamp, protocol, metadata, files, tombstones, new Dictionary<string, TransactionAction>(_transactions));
    }
}
