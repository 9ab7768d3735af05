namespace OfflineSafety.Storage;

/// <summary>One file left in a store's staging area (a write that never published), by its name there.</summary>
public sealed record StagingLeftover(string Name, long Length, DateTimeOffset LastModified);

/// <summary>
/// A store that stages each write before publishing it (e.g. <see cref="LocalObjectStore"/>'s
/// `.staging` folder). A process killed between staging and publishing leaves a staged file that
/// no key names; maintenance lists and sweeps those. Blob stores have no such area.
/// </summary>
public interface IStagingArea
{
    /// <summary>Staged files last written before <paramref name="olderThan"/>: younger ones may belong to a write in flight.</summary>
    IAsyncEnumerable<StagingLeftover> ListStagingLeftoversAsync(DateTimeOffset olderThan, CancellationToken ct = default);

    /// <summary>Deletes one leftover; false when it was already gone (another sweep, or its write finished).</summary>
    Task<bool> DeleteStagingLeftoverAsync(string name, CancellationToken ct = default);
}
