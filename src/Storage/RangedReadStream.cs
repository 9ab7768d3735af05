using System.Buffers;

namespace OfflineSafety.Storage;

/// <summary>
/// A seekable, read-only view of one stored object whose reads are ranged reads of the store.
/// Each read is one request for exactly its bytes, except reads within the object's last
/// <see cref="TailBytes"/>: those are served from one fetch of that tail, so a Parquet reader's
/// trailing-magic read and its footer read cost one request
/// together. Column chunks cost exactly their own bytes: `datasets show` on a blob store downloads
/// the footers and the label columns, a small fraction of the data (docs/datasets.md).
/// </summary>
/// <remarks>
/// Meant for readers that ask for what they need in few, whole reads (the Parquet reader reads
/// the magic, the tail, the footer, then whole column chunks); many tiny sequential reads would
/// each be a request. Synchronous reads block on the store's asynchronous read, because the
/// Parquet reader is synchronous. No synchronization context exists in the CLI, the jobs or the
/// tests, so this cannot deadlock; asynchronous readers should use
/// <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>.
/// </remarks>
public sealed class RangedReadStream : Stream
{
    /// <summary>
    /// The tail fetched in one request. Our footers take about 1.3 KiB per row group, so files of
    /// up to two or three row groups need no second request; a longer footer costs one more (exact)
    /// request. A longer tail would be a visible share of a small file's bytes.
    /// </summary>
    public const int TailBytes = 4 << 10;

    private readonly IObjectStore _store;
    private readonly string _key;
    private readonly long _length;
    private byte[]? _tail;
    private long _tailStart;
    private int _tailLength;
    private long _position;

    public RangedReadStream(IObjectStore store, string key, long length)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _store = store;
        _key = key;
        _length = length;
    }

    public string Key => _key;
    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => _length + offset,
    };

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || _position >= _length) return 0;
        if (_position >= _length - TailBytes)
        {
            if (_tail is null) FetchTailAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            return CopyFromTail(buffer);
        }
        int want = (int)Math.Min(buffer.Length, _length - _position);
        byte[] rented = ArrayPool<byte>.Shared.Rent(want);
        try
        {
            int n = _store.ReadRangeAsync(_key, _position, rented.AsMemory(0, want)).GetAwaiter().GetResult();
            rented.AsSpan(0, n).CopyTo(buffer);
            _position += n;
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty || _position >= _length) return 0;
        if (_position >= _length - TailBytes)
        {
            if (_tail is null) await FetchTailAsync(cancellationToken).ConfigureAwait(false);
            return CopyFromTail(buffer.Span);
        }
        int want = (int)Math.Min(buffer.Length, _length - _position);
        int n = await _store.ReadRangeAsync(_key, _position, buffer[..want], cancellationToken).ConfigureAwait(false);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int CopyFromTail(Span<byte> buffer)
    {
        int offset = (int)(_position - _tailStart);
        int n = Math.Max(0, Math.Min(buffer.Length, _tailLength - offset));
        _tail.AsSpan(offset, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    private async ValueTask FetchTailAsync(CancellationToken ct)
    {
        long start = Math.Max(0, _length - TailBytes);
        var tail = new byte[(int)(_length - start)];
        int n = await _store.ReadRangeAsync(_key, start, tail, ct).ConfigureAwait(false);
        (_tail, _tailStart, _tailLength) = (tail, start, n);
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
