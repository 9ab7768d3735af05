using System.Collections.Concurrent;
using OfflineSafety.Storage;

namespace OfflineSafety.Testing;

/// <summary>
/// Passes every call to <paramref name="inner"/> and counts what reads download, per key: whole
/// reads count the object's length, ranged reads the bytes returned. Tests use it to prove that an
/// operation fetches only what it should (a footer, the log), not whole data files.
/// </summary>
public sealed class CountingObjectStore(IObjectStore inner) : IObjectStore
{
    private readonly ConcurrentDictionary<string, Downloaded> _reads = new(StringComparer.Ordinal);

    /// <summary>Bytes and read requests for one key.</summary>
    public sealed record Downloaded(long Bytes, int Requests);

    public string Location => inner.Location;

    /// <summary>What was downloaded since the last <see cref="Reset"/>, by key.</summary>
    public IReadOnlyDictionary<string, Downloaded> Reads => new Dictionary<string, Downloaded>(_reads, StringComparer.Ordinal);

    /// <summary>Bytes downloaded from keys that <paramref name="counted"/> accepts.</summary>
    public long BytesRead(Func<string, bool> counted) => _reads.Where(kv => counted(kv.Key)).Sum(kv => kv.Value.Bytes);

    public void Reset() => _reads.Clear();

    public Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken ct = default) => inner.GetInfoAsync(key, ct);

    public async Task<byte[]?> TryReadAsync(string key, CancellationToken ct = default)
    {
        var bytes = await inner.TryReadAsync(key, ct).ConfigureAwait(false);
        Count(key, bytes?.LongLength ?? 0);
        return bytes;
    }

    public async Task<int> ReadRangeAsync(string key, long offset, Memory<byte> buffer, CancellationToken ct = default)
    {
        int read = await inner.ReadRangeAsync(key, offset, buffer, ct).ConfigureAwait(false);
        Count(key, read);
        return read;
    }

    public Task WriteAsync(string key, Stream content, CancellationToken ct = default) => inner.WriteAsync(key, content, ct);

    public Task<bool> CreateIfAbsentAsync(string key, ReadOnlyMemory<byte> content, CancellationToken ct = default) =>
        inner.CreateIfAbsentAsync(key, content, ct);

    public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken ct = default) => inner.ListAsync(prefix, ct);

    public IAsyncEnumerable<string> ListCommonPrefixesAsync(string prefix, CancellationToken ct = default) => inner.ListCommonPrefixesAsync(prefix, ct);

    public Task<bool> DeleteAsync(string key, CancellationToken ct = default) => inner.DeleteAsync(key, ct);

    private void Count(string key, long bytes) =>
        _reads.AddOrUpdate(key, _ => new Downloaded(bytes, 1), (_, d) => new Downloaded(d.Bytes + bytes, d.Requests + 1));
}
