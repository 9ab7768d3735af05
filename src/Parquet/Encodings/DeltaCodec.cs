using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using OfflineSafety.Parquet;

namespace OfflineSafety.Parquet.Encodings;

/// <summary>
/// DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY (Encodings.md). Decoding
/// wraps arithmetic like the writers do; every header value is bounded before it sizes anything.
/// </summary>
internal static class DeltaCodec
{
    private const int MaxBlockSize = 1 << 16;
    private const int EncodeBlockSize = 128;
    private const int EncodeMiniblocks = 4;

    /// <summary>
    /// Decodes <c>dst.Length</c> values. When <paramref name="exact"/> the stream must hold exactly
    /// that many (needed to find where the next stream starts); returns bytes consumed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int DecodeInt64(ReadOnlySpan<byte> src, Span<long> dst, bool exact)
    {
        int pos = 0;
        ulong blockSize = ReadUleb(src, ref pos);
        ulong miniblocks = ReadUleb(src, ref pos);
        ulong total = ReadUleb(src, ref pos);
        long first = ZigZag(ReadUleb(src, ref pos));
        if (blockSize == 0 || blockSize > MaxBlockSize || blockSize % 8 != 0 || miniblocks == 0 || miniblocks > blockSize
            || blockSize % miniblocks != 0 || blockSize / miniblocks % 8 != 0)
            throw new ParquetFormatException($"DELTA_BINARY_PACKED header has block size {blockSize} with {miniblocks} miniblocks");
        if (exact ? total != (ulong)dst.Length : total < (ulong)dst.Length)
            throw new ParquetFormatException($"DELTA_BINARY_PACKED holds {total} values, expected {dst.Length}");
        if (dst.Length == 0) return pos;
        int perMini = (int)(blockSize / miniblocks);
        int count = dst.Length;
        dst[0] = first;
        long prev = first;
        int produced = 1;
        var scratch = ArrayPool<ulong>.Shared.Rent(perMini);
        try
        {
            while (produced < count)
            {
                long minDelta = ZigZag(ReadUleb(src, ref pos));
                if ((ulong)(src.Length - pos) < miniblocks) throw new ParquetFormatException("DELTA_BINARY_PACKED bit widths run past the end");
                var widths = src.Slice(pos, (int)miniblocks);
                pos += (int)miniblocks;
                for (int m = 0; m < widths.Length && produced < count; m++)
                {
                    int bw = widths[m];
                    if (bw > 64) throw new ParquetFormatException($"DELTA_BINARY_PACKED miniblock bit width {bw}");
                    int take = Math.Min(perMini, count - produced);
                    long needed = BitPacking.ByteCount(take, bw);
                    long full = BitPacking.ByteCount(perMini, bw);
                    if (needed > src.Length - pos) throw new ParquetFormatException("DELTA_BINARY_PACKED miniblock runs past the end");
                    var deltas = scratch.AsSpan(0, take);
                    BitPacking.Unpack64(src.Slice(pos, (int)needed), bw, deltas);
                    pos += (int)Math.Min(full, src.Length - pos);
                    for (int k = 0; k < take; k++)
                    {
                        prev = unchecked(prev + minDelta + (long)deltas[k]);
                        dst[produced++] = prev;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(scratch);
        }
        return pos;
    }

    public static int DecodeInt32(ReadOnlySpan<byte> src, Span<int> dst, bool exact)
    {
        var wide = ArrayPool<long>.Shared.Rent(Math.Max(dst.Length, 1));
        try
        {
            int used = DecodeInt64(src, wide.AsSpan(0, dst.Length), exact);
            for (int i = 0; i < dst.Length; i++) dst[i] = unchecked((int)wide[i]);
            return used;
        }
        finally
        {
            ArrayPool<long>.Shared.Return(wide);
        }
    }

    /// <summary>DELTA_LENGTH_BYTE_ARRAY: lengths, then the concatenated bytes. Calls <paramref name="emit"/> per value.</summary>
    public static int DecodeLengthByteArrays(ReadOnlySpan<byte> src, int count, ByteArraySink emit)
    {
        var lengths = ArrayPool<int>.Shared.Rent(Math.Max(count, 1));
        try
        {
            var lens = lengths.AsSpan(0, count);
            int pos = DecodeInt32(src, lens, exact: true);
            for (int i = 0; i < count; i++)
            {
                int len = lens[i];
                if ((uint)len > (uint)(src.Length - pos)) throw new ParquetFormatException($"DELTA_LENGTH_BYTE_ARRAY value {i} of {len} bytes runs past the end");
                emit(i, src.Slice(pos, len));
                pos += len;
            }
            return pos;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(lengths);
        }
    }

    /// <summary>DELTA_BYTE_ARRAY: prefix lengths, then suffixes as DELTA_LENGTH_BYTE_ARRAY; each value is the previous one's prefix plus its suffix.</summary>
    public static int DecodeByteArrays(ReadOnlySpan<byte> src, int count, ByteArraySink emit)
    {
        var prefixes = ArrayPool<int>.Shared.Rent(Math.Max(count, 1));
        var previous = new PooledBuffer(256);
        var current = new PooledBuffer(256);
        try
        {
            var pre = prefixes.AsSpan(0, count);
            int pos = DecodeInt32(src, pre, exact: true);
            var prefixSpan = prefixes;
            pos += DecodeLengthByteArrays(src[pos..], count, (i, suffix) =>
            {
                int p = prefixSpan[i];
                if ((uint)p > (uint)previous.Length) throw new ParquetFormatException($"DELTA_BYTE_ARRAY prefix {p} longer than the previous value ({previous.Length})");
                current.Clear();
                current.Write(previous.WrittenSpan[..p]);
                current.Write(suffix);
                emit(i, current.WrittenSpan);
                (previous, current) = (current, previous);
            });
            return pos;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(prefixes);
            previous.Dispose();
            current.Dispose();
        }
    }

    public delegate void ByteArraySink(int index, ReadOnlySpan<byte> value);

    public static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    // ---------------------------------------------------------------- encode

    /// <summary>Encodes with 128-value blocks of 4 miniblocks; 32-bit values use 32-bit wrapping deltas so widths stay &lt;= 32.</summary>
    public static void Encode(ReadOnlySpan<long> values, bool is32Bit, PooledBuffer output)
    {
        RleHybrid.WriteUleb(EncodeBlockSize, output);
        RleHybrid.WriteUleb(EncodeMiniblocks, output);
        RleHybrid.WriteUleb((ulong)values.Length, output);
        RleHybrid.WriteUleb(ZigZagEncode(values.Length > 0 ? values[0] : 0), output);
        if (values.Length <= 1) return;
        Span<long> deltas = stackalloc long[EncodeBlockSize];
        Span<ulong> packed = stackalloc ulong[EncodeBlockSize / EncodeMiniblocks];
        Span<int> widths = stackalloc int[EncodeMiniblocks];
        int perMini = EncodeBlockSize / EncodeMiniblocks;
        for (int start = 1; start < values.Length; start += EncodeBlockSize)
        {
            int n = Math.Min(EncodeBlockSize, values.Length - start);
            long minDelta = long.MaxValue;
            for (int k = 0; k < n; k++)
            {
                long d = is32Bit ? unchecked((int)values[start + k] - (int)values[start + k - 1]) : unchecked(values[start + k] - values[start + k - 1]);
                deltas[k] = d;
                if (d < minDelta) minDelta = d;
            }
            RleHybrid.WriteUleb(ZigZagEncode(minDelta), output);
            var widthSpan = output.GetSpan(EncodeMiniblocks)[..EncodeMiniblocks];
            widthSpan.Clear();
            output.Advance(EncodeMiniblocks);
            int widthPos = output.Length - EncodeMiniblocks;
            int miniCount = (n + perMini - 1) / perMini;
            widths.Clear();
            for (int m = 0; m < miniCount; m++)
            {
                packed.Clear();
                ulong max = 0;
                for (int k = 0; k < perMini && m * perMini + k < n; k++)
                {
                    ulong u = is32Bit ? unchecked((uint)((int)deltas[m * perMini + k] - (int)minDelta)) : unchecked((ulong)(deltas[m * perMini + k] - minDelta));
                    packed[k] = u;
                    if (u > max) max = u;
                }
                int bw = BitPacking.BitWidth(max);
                widths[m] = bw;
                var span = output.GetSpan(perMini * 8 + 8);
                output.Advance(BitPacking.Pack((ReadOnlySpan<ulong>)packed, bw, span));
            }
            var all = output.WrittenSpanMutable;
            for (int m = 0; m < EncodeMiniblocks; m++) all[widthPos + m] = (byte)widths[m];
        }
    }

    public static void EncodeLengthByteArrays(IReadOnlyList<byte[]> values, PooledBuffer output)
    {
        var lengths = new long[values.Count];
        for (int i = 0; i < values.Count; i++) lengths[i] = values[i].Length;
        Encode(lengths, is32Bit: true, output);
        foreach (var v in values) output.Write(v);
    }

    public static void EncodeByteArrays(IReadOnlyList<byte[]> values, PooledBuffer output)
    {
        var prefixes = new long[values.Count];
        var suffixes = new byte[values.Count][];
        byte[] prev = [];
        for (int i = 0; i < values.Count; i++)
        {
            var v = values[i];
            int p = v.AsSpan().CommonPrefixLength(prev);
            prefixes[i] = p;
            suffixes[i] = v[p..];
            prev = v;
        }
        Encode(prefixes, is32Bit: true, output);
        EncodeLengthByteArrays(suffixes, output);
    }

    private static ulong ReadUleb(ReadOnlySpan<byte> src, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (pos >= src.Length) throw new ParquetFormatException("DELTA header ends early");
            byte b = src[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new ParquetFormatException("DELTA varint too long");
    }

    private static long ZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);
    private static ulong ZigZagEncode(long v) => (ulong)((v << 1) ^ (v >> 63));
}
