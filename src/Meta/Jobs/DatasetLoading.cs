using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Jobs;

/// <summary>Reads the rows a critic job trains, adapts or scores on.</summary>
public static class DatasetLoading
{
    /// <summary>Reads one snapshot (so the rows and the recorded version agree), optionally one variant.</summary>
    public static async Task<LoadedDataset> LoadAsync(IObjectStore objects, string reference, string? variant, CancellationToken ct)
    {
        var store = new DatasetStore(objects);
        var parsed = DatasetReference.Parse(reference);
        var snapshot = await store.SnapshotAsync(parsed, ct).ConfigureAwait(false);
        var metadata = DatasetStore.MetadataOf(parsed.Name, snapshot);
        var batch = await store.ReadAsync(parsed.Name, snapshot, variant, ct: ct).ConfigureAwait(false);
        if (batch.Count == 0)
            throw new NotFoundException($"dataset {parsed.Name}@{snapshot.Version}{(variant is null ? "" : $" variant '{variant}'")} has no rows");
        var variants = variant is null ? TaskRows.Variants(batch) : [variant];
        return new LoadedDataset(new DatasetLineage(parsed.Name, snapshot.Version, snapshot.Metadata.Id, variants), metadata, batch);
    }
}
