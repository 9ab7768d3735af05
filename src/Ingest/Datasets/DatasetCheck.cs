using System.Globalization;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Storage;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// `datasets check` (fsck): verifies one version's data files against the add actions that reference
/// them, and the table as a whole for missing checkpoints, orphaned data files and staging leftovers.
/// With repair it writes missing checkpoints and sweeps old staging leftovers; orphans are vacuum's
/// job (it honours the retention that protects writes in flight and time travel).
/// </summary>
public sealed class DatasetCheck(DatasetStore store, TimeProvider? clock = null)
{
    /// <summary>Staged files younger than this may belong to a write in flight and are left alone.</summary>
    public static TimeSpan DefaultStagingRetention { get; } = TimeSpan.FromHours(1);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <param name="stagingRetention">Age above which a staged file is a leftover (default <see cref="DefaultStagingRetention"/>).</param>
    public async Task<DatasetCheckResult> CheckAsync(DatasetReference reference, bool repair = false, TimeSpan? stagingRetention = null,
        CancellationToken ct = default)
    {
        var retention = stagingRetention ?? DefaultStagingRetention;
        if (retention < TimeSpan.Zero) throw new BadInputException($"staging retention must not be negative, got {retention}");
        var log = store.Log(reference.Name);
        var snapshot = await store.SnapshotAsync(reference, ct).ConfigureAwait(false);
        var latest = reference.Ref is null ? snapshot : await store.WithNotFound(reference.Name, () => log.GetSnapshotAsync(null, ct)).ConfigureAwait(false);

        var findings = new List<DatasetFinding>();
        long rows = 0;
        foreach (var file in snapshot.Files)
            rows += await CheckDataFileAsync(log, reference.Name, snapshot, file, findings, ct).ConfigureAwait(false);
        await CheckCheckpointsAsync(log, latest, repair, findings, ct).ConfigureAwait(false);
        await FindOrphansAsync(log, latest, findings, ct).ConfigureAwait(false);
        await CheckStagingAsync(_clock.GetUtcNow() - retention, repair, findings, ct).ConfigureAwait(false);
        return new DatasetCheckResult(DatasetStore.ToVersion(reference.Name, snapshot), latest.Version, snapshot.Files.Count, rows, findings);
    }

    /// <returns>The rows the file holds (0 when it cannot be read).</returns>
    private static async Task<long> CheckDataFileAsync(DeltaLog log, string name, Snapshot snapshot, AddFile file,
        List<DatasetFinding> findings, CancellationToken ct)
    {
        string relative = DeltaPath.FromLogPath(file.Path);
        void Add(string problem) => findings.Add(new DatasetFinding(relative, problem, Repairable: false, Repaired: false));

        byte[] bytes;
        try
        {
            (_, bytes) = await TransitionDataFiles.ReadVerifiedAsync(log, file, snapshot.Version, ct).ConfigureAwait(false);
        }
        catch (DataFileDamagedException ex)
        {
            Add(ex.Message);
            return 0;
        }

        var metadata = DatasetStore.MetadataOf(name, snapshot);
        Transitions.TransitionBatch data;
        try
        {
            // A full decode: the codec verifies page checksums and every value must parse.
            data = TransitionParquet.Read(bytes, metadata.ObsDim, metadata.ActionDim, relative, TransitionDataFiles.PartitionVariant(file));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Add($"does not decode: {ex.Message}");
            return 0;
        }

        if (TransitionFileStats.NumRecords(file) is { } recorded && recorded != data.Count)
            Add($"has {data.Count} rows, the add action recorded {recorded}");
        // Other writers' stats may legitimately differ in form (truncation, column order); ours are
        // a function of the rows, so any difference means the file or the log entry changed.
        if (HasOwnTags(file))
        {
            if (!string.Equals(file.Stats, TransitionFileStats.StatsJson(data), StringComparison.Ordinal)
                && !string.Equals(file.Stats, TransitionFileStats.LegacyStatsJson(data), StringComparison.Ordinal))
                Add("its min/max/null statistics differ from those the add action recorded");
            foreach (var (tag, value) in TransitionFileStats.Tags(data))
                if (file.Tags![tag] != value) Add($"tag {tag} is {value} in the data, the add action recorded {file.Tags[tag]}");
        }
        return data.Count;
    }

    private static bool HasOwnTags(AddFile file) => file.Tags is { } tags
        && tags.ContainsKey(TransitionFileStats.UnsafeRowsTag) && tags.ContainsKey(TransitionFileStats.EpisodesTag);

    // Checkpoints are written after a commit and a failure there is swallowed (the commit is already
    // durable), so a due checkpoint can be missing; readers then replay ever more JSON commits.
    private static async Task CheckCheckpointsAsync(DeltaLog log, Snapshot latest, bool repair, List<DatasetFinding> findings, CancellationToken ct)
    {
        var listing = await log.ListAsync(ct).ConfigureAwait(false);
        var present = listing.Checkpoints.ToHashSet();
        foreach (long version in listing.Commits)
        {
            if (version > latest.Version || !DeltaLog.IsCheckpointDue(version, latest.Metadata) || present.Contains(version)) continue;
            string problem = $"checkpoint for version {version} is missing (due every {IntervalOf(latest)} commits)";
            bool repaired = false;
            if (repair)
            {
                try
                {
                    var at = version == latest.Version ? latest : await log.GetSnapshotAsync(version, ct).ConfigureAwait(false);
                    await log.WriteCheckpointAsync(at, ct).ConfigureAwait(false);
                    repaired = true;
                }
                catch (IOException ex)
                {
                    problem += $"; writing it failed: {ex.Message}";
                }
            }
            findings.Add(new DatasetFinding(DeltaPath.Checkpoint(version), problem, Repairable: true, repaired));
        }
    }

    private static string IntervalOf(Snapshot s) =>
        s.Metadata.Configuration.TryGetValue(DeltaLog.CheckpointIntervalKey, out var v) ? v : DeltaLog.DefaultCheckpointInterval.ToString(CultureInfo.InvariantCulture);

    // Data files the table's writer created that neither the latest version nor any of its
    // tombstones names: a write that crashed before its commit, or a vacuum not yet run.
    private async Task FindOrphansAsync(DeltaLog log, Snapshot latest, List<DatasetFinding> findings, CancellationToken ct)
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in latest.Files) referenced.Add(DeltaPath.FromLogPath(f.Path));
        foreach (var t in latest.Tombstones) referenced.Add(DeltaPath.FromLogPath(t.Path));
        await foreach (var info in store.Objects.ListAsync(log.TableRoot, ct).ConfigureAwait(false))
        {
            string relative = info.Key[log.TableRoot.Length..];
            if (!TransitionDataFiles.IsOwnDataFile(relative) || referenced.Contains(relative)) continue;
            findings.Add(new DatasetFinding(relative,
                $"orphan: not referenced by version {latest.Version} nor its tombstones (written {info.LastModified.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z); `offsafe datasets vacuum` deletes it once older than its retention",
                Repairable: false, Repaired: false));
        }
    }

    private async Task CheckStagingAsync(DateTimeOffset cutoff, bool repair, List<DatasetFinding> findings, CancellationToken ct)
    {
        if (store.Objects is not IStagingArea staging) return;
        await foreach (var leftover in staging.ListStagingLeftoversAsync(cutoff, ct).ConfigureAwait(false))
        {
            bool repaired = repair && await staging.DeleteStagingLeftoverAsync(leftover.Name, ct).ConfigureAwait(false);
            findings.Add(new DatasetFinding($".staging/{leftover.Name}",
                $"staging leftover of {leftover.Length} bytes from {leftover.LastModified.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z (a write that never published; store-wide)",
                Repairable: true, repaired));
        }
    }
}
