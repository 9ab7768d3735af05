using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets.Delta;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>Operations on whole datasets in <paramref name="store"/> that are not versions of their own: export and vacuum.</summary>
public sealed class DatasetMaintenance(DatasetStore store)
{
    /// <summary>How long vacuum keeps unreferenced files by default (Delta's default: one week).</summary>
    public static TimeSpan DefaultRetention { get; } = TimeSpan.FromHours(168);

    /// <summary>Writes the rows of one version to a local file (.parquet, .csv or .jsonl), in read order.</summary>
    /// <param name="bytesRead">Reports data-file bytes read so far; <see cref="Snapshot.Files"/> sizes sum to the total.</param>
    /// <param name="started">Called with the resolved snapshot before any data file is read.</param>
    public async Task<ExportResult> ExportAsync(DatasetReference reference, string path,
        Action<Snapshot>? started = null, IProgress<long>? bytesRead = null, CancellationToken ct = default)
    {
        var format = TransitionExport.FormatOf(path);
        var snapshot = await store.SnapshotAsync(reference, ct).ConfigureAwait(false);
        started?.Invoke(snapshot);
        var batch = await store.ReadAsync(reference.Name, snapshot, null, bytesRead, ct).ConfigureAwait(false);
        var metadata = DatasetStore.MetadataOf(reference.Name, snapshot);
        await TransitionExport.WriteAsync(batch, metadata, format, path, ct).ConfigureAwait(false);
        return new ExportResult(DatasetStore.ToVersion(reference.Name, snapshot), Path.GetFullPath(path), format, batch.Count);
    }

    /// <summary>
    /// Deletes data files that the latest version does not reference and no unexpired tombstone
    /// protects, once they are older than <paramref name="retention"/>: files the table's own writer
    /// created (named part-&lt;uuid&gt;.snappy.parquet under a variant folder), never anything else, and
    /// never through a symbolic link (the store neither lists nor follows links). Time travel to versions
    /// older than the retention may fail afterwards. Log entries are never deleted.
    /// </summary>
    public async Task<VacuumResult> VacuumAsync(string name, TimeSpan? retention = null, bool dryRun = false, CancellationToken ct = default)
    {
        var keepFor = retention ?? DefaultRetention;
        if (keepFor < TimeSpan.Zero) throw new BadInputException($"retention must not be negative, got {keepFor.TotalHours} h");
        var log = store.Log(name);
        var snapshot = await store.WithNotFound(name, () => log.GetSnapshotAsync(null, ct)).ConfigureAwait(false);
        var cutoff = DateTimeOffset.UtcNow - keepFor;
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in snapshot.Files) referenced.Add(log.Key(DeltaPath.FromLogPath(f.Path)));
        foreach (var t in snapshot.Tombstones)
            if (DateTimeOffset.FromUnixTimeMilliseconds(t.DeletionTimestamp ?? 0) > cutoff)
                referenced.Add(log.Key(DeltaPath.FromLogPath(t.Path)));

        var deleted = new List<string>();
        var foreign = new List<string>();
        long bytes = 0;
        int kept = 0;
        await foreach (var info in store.Objects.ListAsync(log.TableRoot, ct).ConfigureAwait(false))
        {
            string relative = info.Key[log.TableRoot.Length..];
            // Like Delta, files and folders starting with '_' or '.' (the log, tags) are not data.
            if (relative.Split('/').Any(s => s.StartsWith('_') || s.StartsWith('.'))) continue;
            // Only files this table's writer named are ever deleted: whatever else lies in the folder
            // (a user's file, a file another tool dropped) is reported and left alone.
            if (!TransitionDataFiles.IsOwnDataFile(relative))
            {
                foreign.Add(relative);
                continue;
            }
            if (referenced.Contains(info.Key) || info.LastModified > cutoff)
            {
                kept++;
                continue;
            }
            if (!dryRun) await store.Objects.DeleteAsync(info.Key, ct).ConfigureAwait(false);
            deleted.Add(relative);
            bytes += info.Length;
        }
        return new VacuumResult(deleted, bytes, kept, dryRun) { Foreign = foreign };
    }
}
