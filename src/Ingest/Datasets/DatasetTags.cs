using OfflineSafety.Errors;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// Names for versions of the datasets in <paramref name="store"/>. A tag is a file beside the log,
/// not a commit: tagging never creates a version, and <see cref="DatasetStore.SnapshotAsync"/> resolves tags.
/// </summary>
public sealed class DatasetTags(DatasetStore store)
{
    /// <summary>
    /// Names version <paramref name="version"/> with <paramref name="tag"/>. Tags are immutable:
    /// re-tagging the same version is a no-op, pointing an existing tag elsewhere is an error.
    /// </summary>
    public async Task<DatasetTag> TagAsync(string name, long version, string tag, CancellationToken ct = default)
    {
        DatasetNames.ValidateTag(tag);
        var log = store.Log(name);
        var snapshot = await store.WithNotFound(name, () => log.GetSnapshotAsync(version, ct)).ConfigureAwait(false);
        var created = new DatasetTag(tag, snapshot.Version, DateTimeOffset.UtcNow);
        // Create-if-absent makes concurrent taggers agree: exactly one file wins, the rest compare against it.
        if (await store.Objects.CreateIfAbsentAsync(TagFile.Key(log, tag), TagFile.Serialize(created), ct).ConfigureAwait(false)) return created;
        var existing = await TagFile.TryReadAsync(log, name, tag, ct).ConfigureAwait(false)
            ?? throw new InvalidDataException($"dataset '{name}': tag '{tag}' exists but cannot be read");
        if (existing.Version != version)
            throw new ConflictException($"dataset '{name}': tag '{tag}' already names version {existing.Version}; tags are immutable");
        return existing;
    }

    /// <summary>Every tag of the dataset, in listing order.</summary>
    public async Task<IReadOnlyList<DatasetTag>> TagsAsync(string name, CancellationToken ct = default)
    {
        var log = store.Log(name);
        string folder = log.Key(TagFile.Folder);
        var tags = new List<DatasetTag>();
        await foreach (var info in store.Objects.ListAsync(folder, ct).ConfigureAwait(false))
        {
            string file = info.Key[folder.Length..];
            if (file.EndsWith(".json", StringComparison.Ordinal) && await TagFile.TryReadAsync(log, name, file[..^5], ct).ConfigureAwait(false) is { } tag)
                tags.Add(tag);
        }
        return tags;
    }
}
