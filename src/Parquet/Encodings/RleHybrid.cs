using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
        var runs = new RunReader(src, bitWidth);
        int filled = 0;
        while (filled < dst.Length)
        {
            var run = runs.Next(filled, dst.Length - filled);
            if (run.IsPacked) BitPacking.Unpack(run.Packed, bitWidth, dst.Slice(filled, run.Count));
            else dst.Slice(filled, run.Count).Fill(T.CreateTruncating(run.Value));
            filled += run.Count;
        }
        return runs.Position;
    }

    /// <summary>
    /// Decodes dictionary indices straight into dictionary values: a repeated run is one range check
    /// and a fill, a bit-packed run is unpacked a block at a time into a stack buffer and gathered.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DecodeDictionary<T>(ReadOnlySpan<byte> src, int bitWidth, ReadOnlySpan<T> dictionary, Span<T> dst)
    {
        const int Block = 512; // a whole number of 8-value groups, so every block starts on a byte
        Span<uint> indices = stackalloc uint[Block];
        uint size = (uint)dictionary.Length;
        // When every index the width can express is in the dictionary, no gathered value needs a check.
        bool covered = bitWidth < 32 && size >= 1u << bitWidth;
        ref T dict = ref MemoryMarshal.GetReference(dictionary);
        var runs = new RunReader(src, bitWidth);
        int filled = 0;
        while (filled < dst.Length)
        {
            var run = runs.Next(filled, dst.Length - filled);
            if (!run.IsPacked)
            {
                if (run.Value >= size) throw IndexOutOfRange(run.Value, size);
                dst.Slice(filled, run.Count).Fill(Unsafe.Add(ref dict, (nint)run.Value));
                filled += run.Count;
                continue;
            }
            for (int done = 0; done < run.Count; done += Block)
            {
                int take = Math.Min(Block, run.Count - done);
                var idx = indices[..take];
                BitPacking.Unpack(run.Packed.Slice(done / 8 * bitWidth, (int)BitPacking.ByteCount(take, bitWidth)), bitWidth, idx);
                ref uint k = ref MemoryMarshal.GetReference(idx);
                ref T o = ref MemoryMarshal.GetReference(dst.Slice(filled, take));
                if (covered)
                {
                    for (int i = 0; i < take; i++) Unsafe.Add(ref o, i) = Unsafe.Add(ref dict, (nint)Unsafe.Add(ref k, i));
                }
                else
                {
                    for (int i = 0; i < take; i++)
                    {
                        uint index = Unsafe.Add(ref k, i);
                        if (index >= size) throw IndexOutOfRange(index, size);
                        Unsafe.Add(ref o, i) = Unsafe.Add(ref dict, (nint)index);
                    }
                }
                filled += take;
            }
        }
    }

    private static ParquetFormatException IndexOutOfRange(uint index, uint size) =>
        new($"dictionary index {index} out of range (dictionary has {size} entries)");

    /// <summary>One run, cut to the values still wanted: a repeated value, or bit-packed bytes holding <see cref="Count"/> values.</summary>
    private readonly ref struct Run(int count, uint value, ReadOnlySpan<byte> packed, bool isPacked)
    {
        public readonly int Count = count;
        public readonly uint Value = value;
        public readonly ReadOnlySpan<byte> Packed = packed;
        public readonly bool IsPacked = isPacked;
    }

    /// <summary>Walks the run headers, checking every run against the bytes present.</summary>
    private ref struct RunReader
    {
        private readonly ReadOnlySpan<byte> _src;
        private readonly int _bitWidth;
        private readonly int _valueBytes;
        private int _pos;

        public RunReader(ReadOnlySpan<byte> src, int bitWidth)
        {
            if ((uint)bitWidth > 32) throw new ParquetFormatException($"RLE bit width {bitWidth} is out of range");
            _src = src;
            _bitWidth = bitWidth;
            _valueBytes = (bitWidth + 7) >> 3;
        }

        public readonly int Position => _pos;

        /// <summary>The next run, holding at most <paramref name="wanted"/> (at least 1) values.</summary>
        public Run Next(int filled, int wanted)
        {
            var src = _src;
            while (true)
            {
                if (_pos >= src.Length) throw new ParquetFormatException($"RLE data ends after {filled} of {filled + wanted} values");
                ulong header = ReadUleb(src, ref _pos);
                if ((header & 1) != 0)
                {
                    long count = (long)(header >> 1) * 8;
                    int take = (int)Math.Min(count, wanted);
                    long bytes = BitPacking.ByteCount(count, _bitWidth);
                    long needed = BitPacking.ByteCount(take, _bitWidth);
                    if (needed > src.Length - _pos) throw new ParquetFormatException($"bit-packed run of {count} values runs past the end of the RLE data");
                    var packed = src.Slice(_pos, (int)needed);
                    _pos += (int)Math.Min(bytes, src.Length - _pos);
                    if (take > 0) return new Run(take, 0, packed, isPacked: true);
                }
                else
                {
                    long count = (long)(header >> 1);
                    if (_valueBytes > src.Length - _pos) throw new ParquetFormatException("RLE run value runs past the end of the data");
                    uint value = 0;
                    for (int b = 0; b < _valueBytes; b++) value |= (uint)src[_pos + b] << (8 * b);
                    _pos += _valueBytes;
                    int take = (int)Math.Min(count, wanted);
                    if (take > 0) return new Run(take, value, default, isPacked: false);
                }
            }
        }
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
