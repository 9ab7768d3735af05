using Microsoft.Win32.SafeHandles;

namespace OfflineSafety.Parquet.Reading;

/// <summary>Random-access bytes of a Parquet file; reads may come from several threads.</summary>
internal interface IParquetSource : IDisposable
{
    long Length { get; }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; the range has been checked against <see cref="Length"/>.</summary>
    void Read(long offset, Span<byte> buffer);
}

internal sealed class FileSource(SafeFileHandle handle) : IParquetSource
{
    public long Length { get; } = RandomAccess.GetLength(handle);

    public void Read(long offset, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = RandomAccess.Read(handle, buffer, offset);
            if (n == 0) throw new EndOfStreamException("file shrank while being read");
            buffer = buffer[n..];
            offset += n;
        }
    }

    public void Dispose() => handle.Dispose();
}

internal sealed class StreamSource(Stream stream, bool leaveOpen) : IParquetSource
{
    private readonly Lock _gate = new();

    public long Length { get; } = stream.Length;

    public void Read(long offset, Span<byte> buffer)
    {
        lock (_gate)
        {
            stream.Position = offset;
            stream.ReadExactly(buffer);
        }
    }

    public void Dispose()
    {
        if (!leaveOpen) stream.Dispose();
    }
}

internal sealed class MemorySource(ReadOnlyMemory<byte> bytes) : IParquetSource
{
    public long Length => bytes.Length;
    public void Read(long offset, Span<byte> buffer) => bytes.Span.Slice((int)offset, buffer.Length).CopyTo(buffer);
    public void Dispose() { }
}
