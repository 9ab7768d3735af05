namespace OfflineSafety.Ingest.Datasets.Delta;

/// <summary>
/// An optimistic transaction: actions staged against a read snapshot, published as the next log
/// version. When another writer wins that version, the winner's actions are checked against what
/// this transaction read and removed; if they do not overlap, the same actions are retried at the
/// next free version (bounded), otherwise <see cref="DeltaConflictException"/> is thrown.
/// </summary>
/// <remarks>
/// Conflict rules (a subset of Delta's WriteSerializable isolation):
/// blind appends never conflict with each other or with deletes; a commit conflicts when a winner
/// removed a file this commit removes or read, changed the protocol, changed the schema or
/// partitioning of the table, or (for a commit that itself changes metadata) changed metadata at
/// all, or recorded progress for the same txn appId.
/// </remarks>
public sealed class DeltaTransaction
{
    private readonly List<DeltaAction> _actions = [];
    private readonly HashSet<string> _readFiles = new(StringComparer.Ordinal);

    /// <param name="log">The table's log.</param>
    /// <param name="readSnapshot">The state the staged actions were computed from; null when creating the table.</param>
    public DeltaTransaction(DeltaLog log, Snapshot? readSnapshot)
    {
        Log = log;
        ReadSnapshot = readSnapshot;
    }

    public DeltaLog Log { get; }
    public Snapshot? ReadSnapshot { get; }

    /// <summary>Upper bound on publish attempts; each lost attempt means another writer progressed.</summary>
    public int MaxAttempts { get; init; } = 200;

    public IReadOnlyList<DeltaAction> Actions => _actions;

    public void Add(DeltaAction action)
    {
        if (action is CommitInfo) throw new ArgumentException("commitInfo is supplied to CommitAsync", nameof(action));
        _actions.Add(action);
    }

    /// <summary>Records that this transaction's outcome depends on the content of these files.</summary>
    public void MarkRead(IEnumerable<string> paths) => _readFiles.UnionWith(paths);

    /// <summary>Publishes the staged actions; returns the committed version.</summary>
    public async Task<long> CommitAsync(string operation, IReadOnlyDictionary<string, string> parameters,
        IReadOnlyDictionary<string, string> metrics, CancellationToken ct = default)
    {
        CheckWriterRequirements();
        bool blindAppend = _actions.All(a => a is AddFile { DataChange: true } or TransactionAction) && _readFiles.Count == 0;
        long version = (ReadSnapshot?.Version ?? -1) + 1;
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            var info = new CommitInfo(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), operation, parameters, metrics,
                CommitInfo.Engine, ReadSnapshot?.Version, blindAppend);
            // commitInfo first: readers of history only need the first line.
            if (await Log.TryWriteCommitAsync(version, [info, .. _actions], ct).ConfigureAwait(false))
            {
                await CheckpointIfDueAsync(version, ct).ConfigureAwait(false);
                return version;
            }
            // Lost the race: every version from here to the head was written by someone else.
            while (await Log.TryReadCommitAsync(version, ct).ConfigureAwait(false) is { } winner)
            {
                CheckConflict(version, winner);
                version++;
            }
        }
        throw new DeltaConflictException($"table '{Log.TableRoot}': gave up committing {operation} after {MaxAttempts} attempts (last tried version {version})");
    }

    /// <summary>
    /// What PROTOCOL.md asks of a writer of version 2: refuse tables that need a newer writer, and
    /// respect `delta.appendOnly` (no data-changing remove). Column invariants need nothing here:
    /// the transition schema declares none.
    /// </summary>
    private void CheckWriterRequirements()
    {
        if (ReadSnapshot is not { } read) return;
        int supported = ProtocolAction.Supported.MinWriterVersion;
        if (read.Protocol.MinWriterVersion > supported)
            throw new OfflineSafety.Errors.BadInputException($"table '{Log.TableRoot}' needs Delta writer version {read.Protocol.MinWriterVersion}; this writer implements {supported}");
        if (read.Metadata.Configuration.TryGetValue(AppendOnlyKey, out var appendOnly)
            && string.Equals(appendOnly, "true", StringComparison.OrdinalIgnoreCase)
            && _actions.Any(a => a is RemoveFile { DataChange: true }))
            throw new OfflineSafety.Errors.BadInputException($"table '{Log.TableRoot}' is append-only ({AppendOnlyKey}=true); rows cannot be removed");
    }

    public const string AppendOnlyKey = "delta.appendOnly";

    private void CheckConflict(long winnerVersion, List<DeltaAction> winner)
    {
        string Fail(string why) => throw new DeltaConflictException(
            $"table '{Log.TableRoot}': concurrent commit {winnerVersion} {why}; this commit (read version {ReadSnapshot?.Version.ToString() ?? "none"}) was not applied");

        if (ReadSnapshot is null)
            Fail($"created the table first (table id {winner.OfType<MetadataAction>().FirstOrDefault()?.Id ?? "unknown"})");

        bool weChangeMetadata = _actions.Any(a => a is MetadataAction or ProtocolAction);
        var removedByUs = _actions.OfType<RemoveFile>().Select(r => r.Path).ToHashSet(StringComparer.Ordinal);
        var ourTxns = _actions.OfType<TransactionAction>().Select(t => t.AppId).ToHashSet(StringComparer.Ordinal);
        foreach (var action in winner)
        {
            switch (action)
            {
                case ProtocolAction:
                    Fail("changed the table protocol");
                    break;
                case MetadataAction when weChangeMetadata:
                    Fail("changed the table metadata that this commit also changes");
                    break;
                case MetadataAction m when m.SchemaString != ReadSnapshot!.Metadata.SchemaString
                                           || !m.PartitionColumns.SequenceEqual(ReadSnapshot.Metadata.PartitionColumns):
                    Fail("changed the table schema or partitioning");
                    break;
                case RemoveFile r when removedByUs.Contains(r.Path):
                    Fail($"already removed file '{r.Path}' that this commit also removes");
                    break;
                case RemoveFile r when _readFiles.Contains(r.Path):
                    Fail($"removed file '{r.Path}' that this commit read");
                    break;
                case TransactionAction t when ourTxns.Contains(t.AppId):
                    Fail($"recorded progress for application '{t.AppId}'");
                    break;
            }
        }
    }

    private async Task CheckpointIfDueAsync(long version, CancellationToken ct)
    {
        var metadata = _actions.OfType<MetadataAction>().LastOrDefault() ?? ReadSnapshot?.Metadata;
        if (metadata is null || !DeltaLog.IsCheckpointDue(version, metadata)) return;
        // The commit is already durable; a failed checkpoint only costs later readers some replay.
        try
        {
            // From the read snapshot plus the commits since (the winners and ours): no listing.
            var snapshot = ReadSnapshot is null
                ? await Log.GetSnapshotAsync(version, ct).ConfigureAwait(false)
                : await Log.UpdateAsync(ReadSnapshot, version, ct).ConfigureAwait(false);
            await Log.WriteCheckpointAsync(snapshot, ct).ConfigureAwait(false);
        }
        catch (IOException)
        {
        }
    }
}
