using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets.Delta;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>Read-only reports on the datasets in <paramref name="store"/>: show, history and diff.</summary>
public sealed class DatasetInspection(DatasetStore store)
{
    /// <summary>Rows, episodes and unsafe counts in total, per variant and per source.</summary>
    public async Task<DatasetSummary> ShowAsync(DatasetReference reference, CancellationToken ct = default)
    {
        var snapshot = await store.SnapshotAsync(reference, ct).ConfigureAwait(false);
        var log = store.Log(reference.Name);
        var metadata = DatasetStore.MetadataOf(reference.Name, snapshot);
        var total = new GroupCounter();
        var byVariant = new SortedDictionary<string, GroupCounter>(StringComparer.Ordinal);
        var bySource = new SortedDictionary<string, GroupCounter>(StringComparer.Ordinal);
        foreach (var file in snapshot.Files)
        {
            // Labels only: counting needs no observation or action columns.
            var labels = await TransitionDataFiles.ReadLabelsAsync(log, file, snapshot.Version, ct).ConfigureAwait(false);
            for (int i = 0; i < labels.Count; i++)
            {
                var episode = (labels.Variant[i], labels.Source[i], labels.EpisodeId[i]);
                bool isUnsafe = labels.Unsafe[i];
                total.Add(episode, isUnsafe);
                GroupCounter.For(byVariant, labels.Variant[i]).Add(episode, isUnsafe);
                GroupCounter.For(bySource, labels.Source[i]).Add(episode, isUnsafe);
            }
        }
        return new DatasetSummary(DatasetStore.ToVersion(reference.Name, snapshot), metadata, snapshot.Files.Count, snapshot.Files.Sum(f => f.Size),
            total.ToSummary("*"), byVariant.Select(kv => kv.Value.ToSummary(kv.Key)).ToArray(),
            bySource.Select(kv => kv.Value.ToSummary(kv.Key)).ToArray());
    }

    /// <summary>Every version, oldest first, with its operation, metrics and tags.</summary>
    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(string name, CancellationToken ct = default)
    {
        var log = store.Log(name);
        var commits = await log.HistoryAsync(ct).ConfigureAwait(false);
        if (commits.Count == 0) throw new DatasetNotFoundException(name, store.Objects.Location);
        var tags = (await new DatasetTags(store).TagsAsync(name, ct).ConfigureAwait(false)).ToLookup(t => t.Version, t => t.Name);
        var empty = new Dictionary<string, string>();
        return commits.Select(c => new HistoryEntry(c.Version, c.Timestamp, c.Info?.Operation ?? "",
            c.Info?.OperationParameters ?? empty, c.Info?.OperationMetrics ?? empty,
            c.Actions.Count(a => a is AddFile), c.Actions.Count(a => a is RemoveFile), tags[c.Version].Order(StringComparer.Ordinal).ToArray())).ToArray();
    }

    /// <summary>Files and rows added and removed from <paramref name="from"/> to <paramref name="to"/>, and the change in unsafe rows.</summary>
    public async Task<DatasetDiff> DiffAsync(DatasetReference from, DatasetReference to, CancellationToken ct = default)
    {
        if (from.Name != to.Name) throw new BadInputException($"diff compares two versions of one dataset, got '{from.Name}' and '{to.Name}'");
        var a = await store.SnapshotAsync(from, ct).ConfigureAwait(false);
        var b = await store.SnapshotAsync(to, ct).ConfigureAwait(false);
        var log = store.Log(from.Name);
        var inA = a.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var inB = b.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var added = b.Files.Where(f => !inA.ContainsKey(f.Path)).ToArray();
        var removed = a.Files.Where(f => !inB.ContainsKey(f.Path)).ToArray();
        var (rowsAdded, unsafeAdded) = await CountAsync(log, added, b.Version, ct).ConfigureAwait(false);
        var (rowsRemoved, unsafeRemoved) = await CountAsync(log, removed, a.Version, ct).ConfigureAwait(false);
        return new DatasetDiff(DatasetStore.ToVersion(from.Name, a), DatasetStore.ToVersion(to.Name, b), added.Select(f => f.Path).ToArray(),
            removed.Select(f => f.Path).ToArray(), rowsAdded, rowsRemoved, unsafeAdded, unsafeRemoved);
    }

    private static async Task<(long Rows, long Unsafe)> CountAsync(DeltaLog log, IEnumerable<AddFile> files, long version, CancellationToken ct)
    {
        long rows = 0, unsafeRows = 0;
        foreach (var f in files)
        {
            var (r, u) = await TransitionDataFiles.CountsAsync(log, f, version, ct).ConfigureAwait(false);
            rows += r;
            unsafeRows += u;
        }
        return (rows, unsafeRows);
    }
}
