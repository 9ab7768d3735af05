namespace OfflineSafety.Storage;

/// <summary>One stored object as a listing reports it.</summary>
public sealed record ObjectInfo(string Key, long Length, DateTimeOffset LastModified);

/// <summary>
/// A blob-shaped store: flat '/'-separated keys, no directories and no rename, so that a local
/// directory and an Azure Blob container stand behind the same seam. Reads may fetch byte ranges
/// (a Parquet footer, one column chunk) without downloading the object; writes stream their
/// content. Every write is all-or-nothing: a reader sees the old object, the new one, or none.
/// </summary>
public interface IObjectStore
{
    /// <summary>A name for messages (a directory path or an az:// address).</summary>
    string Location { get; }

    /// <summary>Length and modification time, or null when absent.</summary>
    Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken ct = default);

    /// <summary>The whole object in one request, or null when no object has this key.</summary>
    Task<byte[]?> TryReadAsync(string key, CancellationToken ct = default);

    /// <summary>
    /// Fills <paramref name="buffer"/> from byte <paramref name="offset"/> of the object (one ranged
    /// GET on a blob store); returns the bytes read, fewer only where the object ends. Throws
    /// <see cref="ObjectNotFoundException"/> when absent.
    /// </summary>
    Task<int> ReadRangeAsync(string key, long offset, Memory<byte> buffer, CancellationToken ct = default);

    /// <summary>
    /// Creates or replaces the object with everything <paramref name="content"/> yields, atomically:
    /// large content goes up in parts (staged file, uncommitted blocks) that become visible in one step.
    /// </summary>
    Task WriteAsync(string key, Stream content, CancellationToken ct = default);

    /// <summary>
    /// Creates the object only if no object has this key (blob: If-None-Match: *). Returns false,
    /// leaving the existing object untouched, when another writer got there first. This is the
    /// primitive a table commit is built on.
    /// </summary>
    Task<bool> CreateIfAbsentAsync(string key, ReadOnlyMemory<byte> content, CancellationToken ct = default);

    /// <summary>Every object whose key starts with <paramref name="prefix"/>, in ordinal key order.</summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken ct = default);

    /// <summary>
    /// The distinct key prefixes one '/'-separated level below <paramref name="prefix"/> (each ending
    /// in '/'), in ordinal order: a delimiter listing, e.g. the dataset names under "datasets/".
    /// </summary>
    IAsyncEnumerable<string> ListCommonPrefixesAsync(string prefix, CancellationToken ct = default);

    /// <summary>Deletes the object; false when it was already absent.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken ct = default);
}

/// <summary>Raised when a key that must exist does not.</summary>
public sealed class ObjectNotFoundException(string location, string key)
    : FileNotFoundException($"object '{key}' not found in store '{location}'", key)
{
    public string Key { get; } = key;
}

public static class ObjectStoreExtensions
{
    /// <summary>The whole object; throws <see cref="ObjectNotFoundException"/> when absent.</summary>
    public static async Task<byte[]> ReadAsync(this IObjectStore store, string key, CancellationToken ct = default) =>
        await store.TryReadAsync(key, ct).ConfigureAwait(false) ?? throw new ObjectNotFoundException(store.Location, key);

    /// <summary>Creates or replaces the object with bytes already in memory.</summary>
    public static async Task WriteAsync(this IObjectStore store, string key, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        await using var stream = new ReadOnlyMemoryStream(content);
        await store.WriteAsync(key, stream, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A seekable read-only stream over the object whose reads become ranged reads, or null when
    /// absent: a Parquet reader on it fetches the footer and the column chunks it decodes, nothing else.
    /// </summary>
    public static async Task<RangedReadStream?> TryOpenReadAsync(this IObjectStore store, string key, CancellationToken ct = default) =>
        await store.GetInfoAsync(key, ct).ConfigureAwait(false) is { } info ? new RangedReadStream(store, key, info.Length) : null;
}
