using System.Numerics;
using System.Runtime.CompilerServices;
using OfflineSafety.Parquet;

namespace OfflineSafety.Parquet.Encodings;

/// <summary>
/// The RLE / bit-packed hybrid encoding (Encodings.md) used for levels, dictionary indices and
/// RLE booleans: a sequence of runs, each a ULEB128 header whose low bit picks a bit-packed run
/// of header&gt;&gt;1 groups of 8 values, or a repeated run of header&gt;&gt;1 copies of one value.
/// </summary>
internal static class RleHybrid
{
    /// <summary>Bit-packed runs are cut at this many groups so each header fits one byte, as other writers do.</summary>
    private const int MaxGroupsPerRun = 63;

    /// <summary>
    /// Decodes exactly <c>dst.Length</c> values; returns the bytes consumed. Throws
    /// <see cref="ParquetFormatException"/> (without location) when the data ends early or is malformed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Decode<T>(ReadOnlySpan<byte> src, int bitWidth, Span<T> dst) where T : unmanaged, IBinaryInteger<T>, IEquatable<T>
    {
        if ((uint)bitWidth > 32) throw new ParquetFormatException($"RLE bit width {bitWidth} is out of range");
        int filled = 0, pos = 0;
        int valueBytes = (bitWidth + 7) >> 3;
        while (filled < dst.Length)
        {
            if (pos >= src.Length) throw new ParquetFormatException($"RLE data ends after {filled} of {dst.Length} values");
            ulong header = ReadUleb(src, ref pos);
            if ((header & 1) != 0)
            {
                long count = (long)(header >> 1) * 8;
                int take = (int)Math.Min(count, dst.Length - filled);
                long bytes = BitPacking.ByteCount(count, bitWidth);
                long needed = BitPacking.ByteCount(take, bitWidth);
                if (needed > src.Length - pos) throw new ParquetFormatException($"bit-packed run of {count} values runs past the end of the RLE data");
                BitPacking.Unpack(src.Slice(pos, (int)needed), bitWidth, dst.Slice(filled, take));
                filled += take;
                pos += (int)Math.Min(bytes, src.Length - pos);
            }
            else
            {
                long count = (long)(header >> 1);
                if (valueBytes > src.Length - pos) throw new ParquetFormatException("RLE run value runs past the end of the data");
                uint value = 0;
                for (int b = 0; b < valueBytes; b++) value |= (uint)src[pos + b] << (8 * b);
                pos += valueBytes;
                int take = (int)Math.Min(count, dst.Length - filled);
                dst.Slice(filled, take).Fill(T.CreateTruncating(value));
                filled += take;
            }
        }
        return pos;
    }

    private static ulong ReadUleb(ReadOnlySpan<byte> src, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (pos >= src.Length) throw new ParquetFormatException("RLE run header ends early");
            byte b = src[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new ParquetFormatException("RLE run header too long");
    }

    /// <summary>Encodes <paramref name="values"/> (each &lt; 2^bitWidth) onto <paramref name="output"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Encode<T>(ReadOnlySpan<T> values, int bitWidth, PooledBuffer output) where T : unmanaged, IBinaryInteger<T>, IEquatable<T>
    {
        int n = values.Length;
        // A repeated run costs a header and a value; below this length bit-packing the values is
        // smaller (and much faster to write and read), e.g. 64 for 1-bit levels.
        int minRun = Math.Max(8, 64 / Math.Max(bitWidth, 1));
        int literalStart = 0;
        int i = 0;
        while (i < n)
        {
            T v = values[i];
            if (i + minRun <= n && values[i + minRun - 1] != v)
            {
                // No long run can start here; most literal data is skipped with one comparison.
                i++;
                continue;
            }
            int rest = values[(i + 1)..].IndexOfAnyExcept(v);
            int j = rest < 0 ? n : i + 1 + rest;
            int run = j - i;
            if (run >= minRun)
            {
                // A repeated run may only start after a whole number of literal groups; lend the
                // literal run the values it needs, and keep the repeat only if 8 or more remain.
                int pending = (i - literalStart) & 7;
                if (pending != 0)
                {
                    int lend = 8 - pending;
                    if (run - lend < minRun)
                    {
                        i = j;
                        continue;
                    }
                    i += lend;
                    run -= lend;
                }
                WriteLiteral(values[literalStart..i], bitWidth, output);
                WriteRepeat(int.CreateTruncating(v), run, bitWidth, output);
                literalStart = j;
            }
            i = j;
        }
        WriteLiteral(values[literalStart..n], bitWidth, output);
    }

    private static void WriteRepeat(int value, int count, int bitWidth, PooledBuffer output)
    {
        WriteUleb((ulong)count << 1, output);
        int valueBytes = (bitWidth + 7) >> 3;
        var span = output.GetSpan(4);
        for (int b = 0; b < valueBytes; b++) span[b] = (byte)(value >> (8 * b));
        output.Advance(valueBytes);
    }

    private static void WriteLiteral<T>(ReadOnlySpan<T> values, int bitWidth, PooledBuffer output) where T : unmanaged, IBinaryInteger<T>, IEquatable<T>
    {
        Span<T> padded = stackalloc T[8];
        while (values.Length > 0)
        {
            int groups = Math.Min((values.Length + 7) >> 3, MaxGroupsPerRun);
            int take = Math.Min(groups * 8, values.Length);
            WriteUleb(((ulong)groups << 1) | 1, output);
            int full = take & ~7;
            var span = output.GetSpan(groups * bitWidth + 8);
            int written = BitPacking.Pack(values[..full], bitWidth, span);
            if (take > full)
            {
                // The last group is padded with zeros; readers stop at the value count.
                padded.Clear();
                values[full..take].CopyTo(padded);
                written += BitPacking.Pack((ReadOnlySpan<T>)padded, bitWidth, span[written..]);
            }
            output.Advance(written);
            values = values[take..];
        }
    }

    internal static void WriteUleb(ulong value, PooledBuffer output)
    {
        var span = output.GetSpan(10);
        int i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        output.Advance(i);
    }
}
