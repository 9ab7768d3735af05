using System.IO.Compression;
using K4os.Compression.LZ4;
using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Parquet.Compression;

/// <summary>
/// Page compression. Decompression writes into a buffer of exactly the page's declared
/// uncompressed size, so a corrupt stream can never make this allocate more than that.
/// </summary>
internal static class PageCompression
{
    public static bool CanRead(ParquetCompression codec) =>
        codec is ParquetCompression.Uncompressed or ParquetCompression.Snappy or ParquetCompression.Gzip or ParquetCompression.Brotli
            or ParquetCompression.Zstd or ParquetCompression.Lz4Raw;

    // ZSTD matches the level Polars and DuckDB write by default; LZ4_RAW its fast level.
    private const int ZstdLevel = 3;

    public static bool CanWrite(ParquetCompression codec) => CanRead(codec);

    /// <summary>Decompresses <paramref name="src"/> into all of <paramref name="dst"/>; throws if the sizes disagree or the stream is corrupt.</summary>
    public static void Decompress(ParquetCompression codec, ReadOnlySpan<byte> src, Span<byte> dst)
    {
        switch (codec)
        {
            case ParquetCompression.Uncompressed:
                if (src.Length != dst.Length) throw new ParquetFormatException($"uncompressed page of {src.Length} bytes declares {dst.Length}");
                src.CopyTo(dst);
                return;
            case ParquetCompression.Snappy:
                SnappyDecoder.Decode(src, dst);
                return;
            case ParquetCompression.Gzip:
                InflateStream(src, dst, gzip: !(src.Length >= 2 && src[0] == 0x78));
                return;
            case ParquetCompression.Brotli:
                if (!BrotliDecoder.TryDecompress(src, dst, out int written) || written != dst.Length)
                    throw new ParquetFormatException($"corrupt BROTLI page or size mismatch (declared {dst.Length} bytes)");
                return;
            case ParquetCompression.Zstd:
                DecompressZstd(src, dst);
                return;
            case ParquetCompression.Lz4Raw:
            {
                int decoded = src.Length == 0 ? 0 : LZ4Codec.Decode(src, dst);
                if (decoded != dst.Length)
                    throw new ParquetFormatException(decoded < 0
                        ? $"corrupt LZ4_RAW page (declared {dst.Length} bytes)"
                        : $"LZ4_RAW page decompresses to {decoded} bytes, declared {dst.Length}");
                return;
            }
            default:
                // LZ4 (the deprecated Hadoop framing) and LZO: the format itself discourages them.
                throw new ParquetNotSupportedException($"compression codec {codec} is not supported");
        }
    }

    private static void DecompressZstd(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        using var decompressor = new ZstdSharp.Decompressor();
        int written;
        try
        {
            // A frame can be followed by another (writers may emit several per page); all must fill dst exactly.
            if (!decompressor.TryUnwrap(src, dst, out written))
                throw new ParquetFormatException($"ZSTD page decompresses past its declared {dst.Length} bytes");
        }
        catch (ZstdSharp.ZstdException e)
        {
            throw new ParquetFormatException($"corrupt ZSTD page: {e.Message}", inner: e);
        }
        if (written != dst.Length) throw new ParquetFormatException($"ZSTD page decompresses to {written} bytes, declared {dst.Length}");
    }

    private static unsafe void InflateStream(ReadOnlySpan<byte> src, Span<byte> dst, bool gzip)
    {
        try
        {
            fixed (byte* p = src)
            {
                using var input = new UnmanagedMemoryStream(p, src.Length);
                using Stream inflater = gzip ? new GZipStream(input, CompressionMode.Decompress) : new ZLibStream(input, CompressionMode.Decompress);
                int filled = 0;
                while (filled < dst.Length)
                {
                    int n = inflater.Read(dst[filled..]);
                    if (n == 0) throw new ParquetFormatException($"GZIP page inflates to {filled} bytes, declared {dst.Length}");
                    filled += n;
                }
                Span<byte> probe = stackalloc byte[1];
                if (inflater.Read(probe) != 0) throw new ParquetFormatException($"GZIP page inflates past its declared {dst.Length} bytes");
            }
        }
        catch (InvalidDataException e)
        {
            throw new ParquetFormatException($"corrupt GZIP page: {e.Message}", inner: e);
        }
    }

    /// <summary>Compresses <paramref name="src"/> onto <paramref name="output"/>; returns the compressed length.</summary>
    public static int Compress(ParquetCompression codec, ReadOnlySpan<byte> src, Encodings.PooledBuffer output)
    {
        switch (codec)
        {
            case ParquetCompression.Uncompressed:
                output.Write(src);
                return src.Length;
            case ParquetCompression.Snappy:
            {
                var span = output.GetSpan(SnappyEncoder.MaxCompressedLength(src.Length));
                int n = SnappyEncoder.Encode(src, span);
                output.Advance(n);
                return n;
            }
            case ParquetCompression.Gzip:
            {
                int before = output.Length;
                using (var s = new GZipStream(new BufferWriterStream(output), CompressionLevel.Fastest, leaveOpen: false))
                    s.Write(src);
                return output.Length - before;
            }
            case ParquetCompression.Brotli:
            {
                var span = output.GetSpan(BrotliEncoder.GetMaxCompressedLength(src.Length));
                if (!BrotliEncoder.TryCompress(src, span, out int n, quality: 4, window: 22)) throw new InvalidOperationException("BROTLI compression failed");
                output.Advance(n);
                return n;
            }
            case ParquetCompression.Zstd:
            {
                using var compressor = new ZstdSharp.Compressor(ZstdLevel);
                var span = output.GetSpan(ZstdSharp.Compressor.GetCompressBound(src.Length));
                int n = compressor.Wrap(src, span);
                output.Advance(n);
                return n;
            }
            case ParquetCompression.Lz4Raw:
            {
                var span = output.GetSpan(LZ4Codec.MaximumOutputSize(src.Length));
                int n = src.Length == 0 ? 0 : LZ4Codec.Encode(src, span, LZ4Level.L00_FAST);
                if (n < 0) throw new InvalidOperationException("LZ4_RAW compression failed");
                output.Advance(n);
                return n;
            }
            default:
                throw new NotSupportedException($"writing compression codec {codec} is not supported (use SNAPPY, ZSTD, LZ4_RAW, GZIP, BROTLI or UNCOMPRESSED)");
        }
    }

    /// <summary>A write-only stream over a pooled buffer, for the stream-based GZIP encoder.</summary>
    private sealed class BufferWriterStream(Encodings.PooledBuffer output) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) => output.Write(buffer);
    }
}
