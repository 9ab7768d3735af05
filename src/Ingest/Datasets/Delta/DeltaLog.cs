using System.Buffers;
using System.Text.Json;
using OfflineSafety.Storage;

namespace OfflineSafety.Ingest.Datasets.Delta;

/// <summary>
/// The transaction log of one Delta table stored under <see cref="TableRoot"/> in an object store:
/// reads commits, publishes a commit as the create-if-absent of the next log file, loads snapshots
/// from the newest usable checkpoint plus later commits, and writes periodic checkpoints.
/// </summary>
public sealed class DeltaLog
{
    /// <summary>Table property naming how many commits pass between checkpoints (Delta's own key).</summary>
    public const string CheckpointIntervalKey = "delta.checkpointInterval";
    public const int DefaultCheckpointInterval = 10;

    public DeltaLog(IObjectStore store, string tableRoot)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(tableRoot);
        Store = store;
        TableRoot = tableRoot.EndsWith('/') ? tableRoot : tableRoot + "/";
    }

    public IObjectStore Store { get; }

    /// <summary>Key prefix of the table, ending in '/', e.g. "datasets/cartpole/".</summary>
    public string TableRoot { get; }

    /// <summary>How long removed files stay as tombstones in checkpoints (Delta's default: one week).</summary>
    public TimeSpan TombstoneRetention { get; init; } = TimeSpan.FromHours(168);

    public string Key(string tableRelativePath) => TableRoot + tableRelativePath;

    public async Task<bool> ExistsAsync(CancellationToken ct = default) =>
        await Store.GetInfoAsync(Key(DeltaPath.Commit(0)), ct).ConfigureAwait(false) is not null
        || await ReadLastCheckpointAsync(ct).ConfigureAwait(false) is not null;

    /// <summary>The actions of one commit, or null when that version has not been committed.</summary>
    public async Task<List<DeltaAction>?> TryReadCommitAsync(long version, CancellationToken ct = default)
    {
        string key = Key(DeltaPath.Commit(version));
        var bytes = await Store.TryReadAsync(key, ct).ConfigureAwait(false);
        return bytes is null ? null : DeltaJson.ReadCommit(bytes, key);
    }

    /// <summary>
    /// Publishes <paramref name="actions"/> as version <paramref name="version"/>; false when that
    /// version already exists (another writer won). Never overwrites an existing entry.
    /// </summary>
    public Task<bool> TryWriteCommitAsync(long version, IEnumerable<DeltaAction> actions, CancellationToken ct = default) =>
        Store.CreateIfAbsentAsync(Key(DeltaPath.Commit(version)), DeltaJson.WriteCommit(actions), ct);

    /// <summary>Every commit and checkpoint version present in the log, by one listing.</summary>
    public async Task<LogListing> ListAsync(CancellationToken ct = default)
    {
        var commits = new List<long>();
        var checkpoints = new List<long>();
        var commitTimes = new Dictionary<long, DateTimeOffset>();
        string prefix = Key(DeltaPath.LogFolder);
        await foreach (var info in Store.ListAsync(prefix, ct).ConfigureAwait(false))
        {
            string name = info.Key[prefix.Length..];
            if (name.Contains('/') || !DeltaPath.TryParseLogName(name, out long v, out bool isCheckpoint)) continue;
            if (isCheckpoint) checkpoints.Add(v);
            else { commits.Add(v); commitTimes[v] = info.LastModified; }
        }
        commits.Sort();
        checkpoints.Sort();
        return new LogListing(commits, checkpoints, commitTimes);
    }

    /// <summary>
    /// The snapshot at <paramref name="version"/>, or at the latest version when null. Starts from
    /// the newest checkpoint not after the target and replays the JSON commits after it.
    /// </summary>
    public async Task<Snapshot> GetSnapshotAsync(long? version = null, CancellationToken ct = default)
    {
        long? checkpoint;
        long target;
        if (version is null && await ReadLastCheckpointAsync(ct).ConfigureAwait(false) is { } last
            && await Store.GetInfoAsync(Key(DeltaPath.Checkpoint(last.Version)), ct).ConfigureAwait(false) is not null)
        {
            // Fast path for the latest version: no listing; probe the commits after the checkpoint
            // one by one (versions are contiguous, so the first missing one ends the log).
            checkpoint = last.Version;
            target = -1;
        }
        else
        {
            var listing = await ListAsync(ct).ConfigureAwait(false);
            if (listing.Commits.Count == 0 && listing.Checkpoints.Count == 0)
                throw new TableNotFoundException(Store.Location, TableRoot);
            long latest = Math.Max(listing.Commits.LastOrDefault(-1), listing.Checkpoints.LastOrDefault(-1));
            target = version ?? latest;
            if (target < 0 || target > latest)
                throw new OfflineSafety.Errors.NotFoundException($"table '{TableRoot}' has no version {target} (latest is {latest})");
            long newestUsable = listing.Checkpoints.LastOrDefault(c => c <= target, -1);
            checkpoint = newestUsable >= 0 ? newestUsable : null;
            long first = checkpoint + 1 ?? 0;
            for (long v = first; v <= target; v++)
                if (listing.Commits.BinarySearch(v) < 0)
                    throw new InvalidDataException($"table '{TableRoot}': commit {v} is missing from the log (needed to read version {target})");
        }

        var replay = new LogReplay();
        if (checkpoint is { } cp)
            foreach (var action in await ReadCheckpointAsync(cp, ct).ConfigureAwait(false))
                replay.Apply(action);

        long current = checkpoint ?? -1;
        List<DeltaAction>? lastCommit = null;
        while (target < 0 || current < target)
        {
            var actions = await TryReadCommitAsync(current + 1, ct).ConfigureAwait(false);
            if (actions is null)
            {
                if (target < 0) break;
                throw new InvalidDataException($"table '{TableRoot}': commit {current + 1} vanished while reading");
            }
            foreach (var action in actions) replay.Apply(action);
            lastCommit = actions;
            current++;
        }
        if (current < 0) throw new TableNotFoundException(Store.Location, TableRoot);

        lastCommit ??= await TryReadCommitAsync(current, ct).ConfigureAwait(false);
        var timestamp = await CommitTimestampAsync(current, lastCommit, ct).ConfigureAwait(false);
        return replay.ToSnapshot(current, timestamp, TableRoot);
    }

    /// <summary>
    /// The snapshot at <paramref name="version"/> (latest when null) computed from an earlier
    /// snapshot by replaying only the commits after it: no listing, no checkpoint read. Writers
    /// that commit repeatedly keep their snapshot current this way.
    /// </summary>
    public async Task<Snapshot> UpdateAsync(Snapshot from, long? version = null, CancellationToken ct = default)
    {
        if (version < from.Version) throw new ArgumentOutOfRangeException(nameof(version), $"cannot move snapshot {from.Version} back to {version}");
        var replay = new LogReplay(from);
        long current = from.Version;
        List<DeltaAction>? lastCommit = null;
        while (version is null || current < version)
        {
            var actions = await TryReadCommitAsync(current + 1, ct).ConfigureAwait(false);
            if (actions is null)
            {
                if (version is null) break;
                throw new OfflineSafety.Errors.NotFoundException($"table '{TableRoot}' has no version {current + 1}");
            }
            foreach (var action in actions) replay.Apply(action);
            lastCommit = actions;
            current++;
        }
        if (lastCommit is null) return from;
        return replay.ToSnapshot(current, await CommitTimestampAsync(current, lastCommit, ct).ConfigureAwait(false), TableRoot);
    }

    /// <summary>The latest committed version, or -1 when the table does not exist.</summary>
    public async Task<long> LatestVersionAsync(CancellationToken ct = default)
    {
        long start = await ReadLastCheckpointAsync(ct).ConfigureAwait(false) is { } last ? last.Version : -1;
        if (start < 0)
        {
            var listing = await ListAsync(ct).ConfigureAwait(false);
            return Math.Max(listing.Commits.LastOrDefault(-1), listing.Checkpoints.LastOrDefault(-1));
        }
        while (await Store.GetInfoAsync(Key(DeltaPath.Commit(start + 1)), ct).ConfigureAwait(false) is not null) start++;
        return start;
    }

    /// <summary>Every commit with its provenance, oldest first (reads each commit file once).</summary>
    public async Task<IReadOnlyList<CommitEntry>> HistoryAsync(CancellationToken ct = default)
    {
        var listing = await ListAsync(ct).ConfigureAwait(false);
        var entries = new List<CommitEntry>(listing.Commits.Count);
        foreach (long v in listing.Commits)
        {
            var actions = await TryReadCommitAsync(v, ct).ConfigureAwait(false) ?? [];
            var info = actions.OfType<CommitInfo>().FirstOrDefault();
            var timestamp = info is { Timestamp: > 0 } ? DateTimeOffset.FromUnixTimeMilliseconds(info.Timestamp) : listing.CommitTimes[v];
            entries.Add(new CommitEntry(v, timestamp, info, actions));
        }
        return entries;
    }

    /// <summary>Time travel: the latest version whose commit timestamp is at or before <paramref name="time"/>.</summary>
    public async Task<long> VersionAtAsync(DateTimeOffset time, CancellationToken ct = default)
    {
        long found = -1;
        DateTimeOffset? first = null;
        foreach (var entry in await HistoryAsync(ct).ConfigureAwait(false))
        {
            first ??= entry.Timestamp;
            if (entry.Timestamp <= time) found = Math.Max(found, entry.Version);
        }
        if (found < 0)
            throw new OfflineSafety.Errors.NotFoundException(first is null
                ? $"table '{TableRoot}' has no commits"
                : $"table '{TableRoot}' has no version at or before {time:O} (the first commit is at {first:O})");
        return found;
    }

    // ---- checkpoints -------------------------------------------------------------------------

    public async Task<LastCheckpoint?> ReadLastCheckpointAsync(CancellationToken ct = default)
    {
        var bytes = await Store.TryReadAsync(Key(DeltaPath.LastCheckpointName), ct).ConfigureAwait(false);
        if (bytes is null) return null;
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            return new LastCheckpoint(root.GetProperty("version").GetInt64(), root.GetProperty("size").GetInt64(),
                root.TryGetProperty("sizeInBytes", out var sib) ? sib.GetInt64() : null,
                root.TryGetProperty("numOfAddFiles", out var adds) ? adds.GetInt64() : null);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // The pointer is an optimisation only; a damaged one falls back to listing the log.
            return null;
        }
    }

    /// <summary>Whether a checkpoint is due after committing <paramref name="version"/>.</summary>
    public static bool IsCheckpointDue(long version, MetadataAction metadata)
    {
        int interval = metadata.Configuration.TryGetValue(CheckpointIntervalKey, out var s) && int.TryParse(s, out int i) && i > 0
            ? i : DefaultCheckpointInterval;
        return version > 0 && version % interval == 0;
    }

    /// <summary>
    /// Writes the classic single-file checkpoint of <paramref name="snapshot"/> and points
    /// `_last_checkpoint` at it unless a newer checkpoint is already recorded there.
    /// </summary>
    public async Task WriteCheckpointAsync(Snapshot snapshot, CancellationToken ct = default)
    {
        long cutoff = DateTimeOffset.UtcNow.Subtract(TombstoneRetention).ToUnixTimeMilliseconds();
        var actions = new List<DeltaAction>(snapshot.Files.Count + snapshot.Tombstones.Count + 2) { snapshot.Protocol, snapshot.Metadata };
        actions.AddRange(snapshot.Transactions.Values);
        actions.AddRange(snapshot.Files);
        // Expired tombstones are dropped: vacuum may already have deleted their files.
        actions.AddRange(snapshot.Tombstones.Where(t => (t.DeletionTimestamp ?? 0) > cutoff));
        byte[] content = DeltaCheckpoint.Write(actions);
        // Classic checkpoints may be rewritten by a racing writer: both hold the same state.
        await Store.WriteAsync(Key(DeltaPath.Checkpoint(snapshot.Version)), content, ct).ConfigureAwait(false);

        if (await ReadLastCheckpointAsync(ct).ConfigureAwait(false) is { } existing && existing.Version >= snapshot.Version) return;
        var pointer = new LastCheckpoint(snapshot.Version, actions.Count, content.Length, snapshot.Files.Count);
        await Store.WriteAsync(Key(DeltaPath.LastCheckpointName), pointer.ToJson(), ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DeltaAction>> ReadCheckpointAsync(long version, CancellationToken ct = default)
    {
        string key = Key(DeltaPath.Checkpoint(version));
        var bytes = await Store.ReadAsync(key, ct).ConfigureAwait(false);
        return DeltaCheckpoint.Read(bytes, key);
    }

    private async Task<DateTimeOffset> CommitTimestampAsync(long version, List<DeltaAction>? commit, CancellationToken ct)
    {
        if (commit?.OfType<CommitInfo>().FirstOrDefault() is { Timestamp: > 0 } info)
            return DateTimeOffset.FromUnixTimeMilliseconds(info.Timestamp);
        var file = await Store.GetInfoAsync(Key(DeltaPath.Commit(version)), ct).ConfigureAwait(false);
        return file?.LastModified ?? DateTimeOffset.UnixEpoch;
    }
}

/// <summary>What one listing of `_delta_log/` found.</summary>
public sealed record LogListing(List<long> Commits, List<long> Checkpoints, IReadOnlyDictionary<long, DateTimeOffset> CommitTimes);

/// <summary>One version in a table's history.</summary>
public sealed record CommitEntry(long Version, DateTimeOffset Timestamp, CommitInfo? Info, IReadOnlyList<DeltaAction> Actions);

/// <summary>The `_delta_log/_last_checkpoint` pointer (PROTOCOL.md, "Last Checkpoint File Schema").</summary>
public sealed record LastCheckpoint(long Version, long Size, long? SizeInBytes, long? NumOfAddFiles)
{
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("version", Version);
            w.WriteNumber("size", Size);
            if (SizeInBytes is { } sib) w.WriteNumber("sizeInBytes", sib);
            if (NumOfAddFiles is { } adds) w.WriteNumber("numOfAddFiles", adds);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>No table (no log) exists under the given root.</summary>
public sealed class TableNotFoundException(string location, string tableRoot)
    : FileNotFoundException($"no Delta table at '{tableRoot}' in store '{location}' (no _delta_log entries)");
