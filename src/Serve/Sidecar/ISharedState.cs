namespace OfflineSafety.Serve.Sidecar;

/// <summary>
/// Small records that replicas of the service share (adaptation-cache entries, upload idempotency
/// keys). Entries are written once: the first writer of a key wins and later writers read its value.
/// </summary>
public interface ISharedState
{
    /// <summary>The entry under <paramref name="key"/>, or null when there is none.</summary>
    Task<T?> GetAsync<T>(string key, CancellationToken ct) where T : class;

    /// <summary>Stores the entry if the key has none; false when another writer got there first.</summary>
    Task<bool> TryAddAsync<T>(string key, T value, CancellationToken ct) where T : class;
}
