using System.Buffers;

namespace OfflineSafety.Storage;

/// <summary>
/// A seekable, read-only view of one stored object whose reads are ranged reads of the store.
/// Small reads are served from one window of <see cref="WindowBytes"/> (a Parquet reader asks for
/// 4 and 8 bytes before the footer); a window near the end of the object is the object's tail, so
/// the trailing magic and the footer usually arrive in one request. Large reads go straight to the
/// store, so a column chunk costs exactly its own bytes.
/// </summary>
/// <remarks>
/// Synchronous reads block on the store's asynchronous read, because the Parquet reader is
/// synchronous. No synchronization context exists in the CLI, the jobs or the tests, so this
/// cannot deadlock; asynchronous readers should use <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>.
/// </remarks>
public sealed class RangedReadStream : Stream
{
    public const int WindowBytes = 16 << 10;

    private readonly IObjectStore _store;
    private readonly string _key;
    private readonly long _length;
    private byte[]? _window;
    private long _windowStart;
    private int _windowLength;
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
        if (TryCopyFromWindow(buffer) is int served) return served;
        if (buffer.Length < WindowBytes)
        {
            FillWindowAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            return TryCopyFromWindow(buffer) ?? 0;
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
        if (TryCopyFromWindow(buffer.Span) is int served) return served;
        if (buffer.Length < WindowBytes)
        {
            await FillWindowAsync(cancellationToken).ConfigureAwait(false);
            return TryCopyFromWindow(buffer.Span) ?? 0;
        }
        int want = (int)Math.Min(buffer.Length, _length - _position);
        int n = await _store.ReadRangeAsync(_key, _position, buffer[..want], cancellationToken).ConfigureAwait(false);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int? TryCopyFromWindow(Span<byte> buffer)
    {
        if (_window is null || _position < _windowStart || _position >= _windowStart + _windowLength) return null;
        int offset = (int)(_position - _windowStart);
        int n = Math.Min(buffer.Length, _windowLength - offset);
        _window.AsSpan(offset, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    private async ValueTask FillWindowAsync(CancellationToken ct)
    {
        _window ??= new byte[WindowBytes];
        // Near the end, the window is the object's last bytes: the footer lies before the position asked for.
        long start = Math.Min(_position, Math.Max(0, _length - WindowBytes));
        int want = (int)Math.Min(WindowBytes, _length - start);
        _windowLength = 0;
        int n = await _store.ReadRangeAsync(_key, start, _window.AsMemory(0, want), ct).ConfigureAwait(false);
        _windowStart = start;
        _windowLength = n;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
