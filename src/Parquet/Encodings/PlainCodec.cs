using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using OfflineSafety.Parquet;

namespace OfflineSafety.Parquet.Encodings;

/// <summary>PLAIN encoding: little-endian fixed-width values, bit-packed booleans, length-prefixed byte arrays.</summary>
internal static class PlainCodec
{
    public static int DecodeFixed<T>(ReadOnlySpan<byte> src, Span<T> dst) where T : unmanaged
    {
        long bytes = (long)dst.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (bytes > src.Length) throw new ParquetFormatException($"PLAIN data holds {src.Length} bytes, {dst.Length} values need {bytes}");
        MemoryMarshal.Cast<byte, T>(src[..(int)bytes]).CopyTo(dst);
        return (int)bytes;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int DecodeBooleans(ReadOnlySpan<byte> src, Span<bool> dst)
    {
        long bytes = BitPacking.ByteCount(dst.Length, 1);
        if (bytes > src.Length) throw new ParquetFormatException($"PLAIN boolean data holds {src.Length} bytes, {dst.Length} values need {bytes}");
        // A bool is one byte of 0 or 1: each source byte becomes one 8-byte store.
        BitPacking.Unpack(src[..(int)bytes], 1, MemoryMarshal.Cast<bool, byte>(dst));
        return (int)bytes;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int DecodeStrings(ReadOnlySpan<byte> src, Span<string> dst)
    {
        int pos = 0;
        for (int i = 0; i < dst.Length; i++)
        {
            int len = ReadLength(src, ref pos, i);
            dst[i] = Encoding.UTF8.GetString(src.Slice(pos, len));
            pos += len;
        }
        return pos;
    }

    public static int DecodeBinary(ReadOnlySpan<byte> src, Span<byte[]> dst)
    {
        int pos = 0;
        for (int i = 0; i < dst.Length; i++)
        {
            int len = ReadLength(src, ref pos, i);
            dst[i] = src.Slice(pos, len).ToArray();
            pos += len;
        }
        return pos;
    }

    public static int DecodeFixedLen(ReadOnlySpan<byte> src, int width, Span<byte[]> dst)
    {
        long bytes = (long)dst.Length * width;
        if (bytes > src.Length) throw new ParquetFormatException($"FIXED_LEN_BYTE_ARRAY data holds {src.Length} bytes, {dst.Length} values need {bytes}");
        for (int i = 0; i < dst.Length; i++) dst[i] = src.Slice(i * width, width).ToArray();
        return (int)bytes;
    }

    private static int ReadLength(ReadOnlySpan<byte> src, ref int pos, int index)
    {
        if (src.Length - pos < 4) throw new ParquetFormatException($"PLAIN byte array {index} length runs past the end");
        uint len = BinaryPrimitives.ReadUInt32LittleEndian(src.Slice(pos, 4));
        pos += 4;
        if (len > (uint)(src.Length - pos)) throw new ParquetFormatException($"PLAIN byte array {index} of {len} bytes runs past the end ({src.Length - pos} left)");
        return (int)len;
    }

    public static void EncodeFixed<T>(ReadOnlySpan<T> values, PooledBuffer output) where T : unmanaged =>
        output.Write(MemoryMarshal.AsBytes(values));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void EncodeBooleans(ReadOnlySpan<bool> values, PooledBuffer output)
    {
        int bytes = (values.Length + 7) >> 3;
        var span = output.GetSpan(bytes)[..bytes];
        span.Clear();
        for (int i = 0; i < values.Length; i++)
            if (values[i]) span[i >> 3] |= (byte)(1 << (i & 7));
        output.Advance(bytes);
    }

    /// <summary>Appends one length-prefixed byte array (also the dictionary page layout).</summary>
    public static void EncodeByteArray(ReadOnlySpan<byte> value, PooledBuffer output)
    {
        var span = output.GetSpan(value.Length + 4);
        BinaryPrimitives.WriteInt32LittleEndian(span, value.Length);
        value.CopyTo(span[4..]);
        output.Advance(value.Length + 4);
    }

    /// <summary>Appends one length-prefixed UTF-8 string; returns the UTF-8 byte count.</summary>
    public static int EncodeString(string value, PooledBuffer output)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var span = output.GetSpan(max + 4);
        int n = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, n);
        output.Advance(n + 4);
        return n;
    }
}
