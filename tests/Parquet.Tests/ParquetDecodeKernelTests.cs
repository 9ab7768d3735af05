using OfflineSafety.Parquet.Encodings;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Parquet.Tests;

/// <summary>
/// The word-at-a-time decode paths (bit unpacking by groups and by spread bytes, dictionary
/// gather straight from the runs, booleans into bool spans) against the value-by-value definition.
/// </summary>
public class ParquetDecodeKernelTests
{
    // Lengths around the 8-value groups and the 8-byte loads at the end of the source.
    private static readonly int[] Lengths = [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 513, 1031];

    /// <summary>Value i of a little-endian bit-packed stream, bit by bit.</summary>
    private static ulong Reference(ReadOnlySpan<byte> src, int bitWidth, int i)
    {
        ulong v = 0;
        for (int b = 0; b < bitWidth; b++)
        {
            long bit = (long)i * bitWidth + b;
            v |= (ulong)((src[(int)(bit >> 3)] >> (int)(bit & 7)) & 1) << b;
        }
        return v;
    }

    [Fact]
    public void Unpack_matches_the_bitwise_definition_for_every_width_and_length()
    {
        var rnd = new Random(5);
        for (int width = 0; width <= 32; width++)
            foreach (int n in Lengths)
            {
                // Exactly the bytes the values need: nothing past them may be read.
                var src = new byte[BitPacking.ByteCount(n, width)];
                rnd.NextBytes(src);
                var asInt = new int[n];
                var asUInt = new uint[n];
                var asLong = new ulong[n];
                BitPacking.Unpack<int>(src, width, asInt);
                BitPacking.Unpack<uint>(src, width, asUInt);
                BitPacking.Unpack64(src, width, asLong);
                for (int i = 0; i < n; i++)
                {
                    ulong expected = Reference(src, width, i);
                    Assert.True(expected == (uint)asInt[i], $"int width {width} n {n} value {i}: {expected} vs {asInt[i]}");
                    Assert.True(expected == asUInt[i], $"uint width {width} n {n} value {i}");
                    Assert.True(expected == asLong[i], $"ulong width {width} n {n} value {i}");
                }
                if (width <= 16)
                {
                    var asShort = new short[n];
                    BitPacking.Unpack<short>(src, width, asShort);
                    for (int i = 0; i < n; i++) Assert.Equal((short)Reference(src, width, i), asShort[i]);
                }
                if (width <= 8)
                {
                    var asByte = new byte[n];
                    BitPacking.Unpack<byte>(src, width, asByte);
                    for (int i = 0; i < n; i++) Assert.Equal((byte)Reference(src, width, i), asByte[i]);
                }
            }
    }

    [Fact]
    public void Unpack_refuses_a_source_shorter_than_the_values()
    {
        var dst = new int[9];
        Assert.Throws<ArgumentException>(() => BitPacking.Unpack<int>(new byte[1], 1, dst));
        Assert.Throws<ArgumentException>(() => BitPacking.Unpack<int>(new byte[8], 8, dst));
    }

    [Fact]
    public void Spread_bits_puts_bit_j_in_byte_j()
    {
        for (int b = 0; b < 256; b++)
        {
            ulong spread = BitPacking.SpreadBits((ulong)b);
            for (int j = 0; j < 8; j++) Assert.Equal((ulong)((b >> j) & 1), (spread >> (8 * j)) & 0xFF);
        }
    }

    [Fact]
    public void Plain_booleans_decode_every_length()
    {
        var rnd = new Random(6);
        foreach (int n in Lengths)
        {
            var values = Enumerable.Range(0, n).Select(_ => rnd.Next(2) == 1).ToArray();
            using var buffer = new PooledBuffer();
            PlainCodec.EncodeBooleans(values, buffer);
            var back = new bool[n];
            Assert.Equal(buffer.Length, PlainCodec.DecodeBooleans(buffer.WrittenSpan, back));
            Assert.Equal(values, back);
            // Every decoded bool is the canonical 0 or 1 byte, so equality and hashing behave.
            Assert.All(back, v => Assert.True(System.Runtime.CompilerServices.Unsafe.As<bool, byte>(ref v) <= 1));
        }
    }

    /// <summary>A hand-built hybrid stream: a long bit-packed run (past one gather block), a repeat, a short packed run.</summary>
    private static (byte[] Bytes, int[] Indices) HybridStream(int width, int dictionarySize, Random rnd)
    {
        using var buffer = new PooledBuffer();
        var indices = new List<int>();
        void Packed(int groups)
        {
            var values = Enumerable.Range(0, groups * 8).Select(_ => rnd.Next(dictionarySize)).ToArray();
            RleHybrid.WriteUleb(((ulong)groups << 1) | 1, buffer);
            var span = buffer.GetSpan(groups * width + 8);
            buffer.Advance(BitPacking.Pack((ReadOnlySpan<int>)values, width, span));
            indices.AddRange(values);
        }
        Packed(200); // 1600 values: the gather works through it in blocks
        int repeat = rnd.Next(dictionarySize);
        RleHybrid.WriteUleb(37UL << 1, buffer);
        var v = buffer.GetSpan(4);
        for (int b = 0; b < (width + 7) / 8; b++) v[b] = (byte)(repeat >> (8 * b));
        buffer.Advance((width + 7) / 8);
        indices.AddRange(Enumerable.Repeat(repeat, 37));
        Packed(3);
        return (buffer.WrittenSpan.ToArray(), indices.ToArray());
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(1, 1)]
    [InlineData(3, 8)]
    [InlineData(5, 20)]
    [InlineData(7, 123)]
    [InlineData(9, 300)]
    [InlineData(16, 65536)]
    [InlineData(17, 70000)]
    public void Dictionary_gather_matches_indices_then_lookup_and_stops_at_the_page_end(int width, int dictionarySize)
    {
        var rnd = new Random(width * 31 + dictionarySize);
        var dictionary = Enumerable.Range(0, dictionarySize).Select(i => i * 10L + 3).ToArray();
        var (bytes, indices) = HybridStream(width, dictionarySize, rnd);
        // Every cut: inside the long packed run, at a block edge, inside the repeat, the full stream.
        foreach (int take in new[] { 0, 1, 511, 512, 513, 1600, 1601, 1637, indices.Length })
        {
            var dst = new long[take];
            RleHybrid.DecodeDictionary<long>(bytes, width, dictionary, dst);
            Assert.Equal(indices.Take(take).Select(i => dictionary[i]), dst);
        }
    }

    [Fact]
    public void Dictionary_gather_refuses_an_index_outside_the_dictionary()
    {
        var rnd = new Random(9);
        var (bytes, indices) = HybridStream(3, 8, rnd);
        int max = indices.Max();
        var small = new float[max]; // the largest index is one past its end
        var dst = new float[indices.Length];
        var e = Assert.Throws<ParquetFormatException>(() => RleHybrid.DecodeDictionary<float>(bytes, 3, small, dst));
        Assert.Contains("out of range", e.Message);
        // A repeated run's index is checked as well.
        using var buffer = new PooledBuffer();
        RleHybrid.WriteUleb(10UL << 1, buffer);
        buffer.WriteByte(5);
        Assert.Throws<ParquetFormatException>(() => RleHybrid.DecodeDictionary<float>(buffer.WrittenSpan, 3, new float[5], new float[10]));
        Assert.Throws<ParquetFormatException>(() => RleHybrid.DecodeDictionary<float>(buffer.WrittenSpan, 3, new float[8], new float[11]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Two_value_dictionaries_booleans_and_nulls_round_trip_over_many_pages(int pageVersion)
    {
        // cost-like column (two float values, 1-bit indices), optional columns with nulls at page edges,
        // and RLE booleans, with pages small enough that runs are cut at page ends.
        var schema = new ParquetSchema(ParquetField.Float("cost"), ParquetField.Float("ocost", optional: true),
            ParquetField.Boolean("flag"), ParquetField.Boolean("rflag"), ParquetField.Boolean("oflag", optional: true),
            ParquetField.List("vec", ParquetField.Float("element")));
        const int n = 30011;
        var rnd = new Random(pageVersion);
        var cost = new float[n]; var ocost = new float[n]; var ocostValid = new bool[n]; var flag = new bool[n]; var rflag = new bool[n];
        var oflag = new bool[n]; var oflagValid = new bool[n];
        var lengths = new int[n];
        var vec = new List<float>();
        for (int k = 0; k < n; k++)
        {
            cost[k] = rnd.Next(20) == 0 ? 1f : 0f;
            ocost[k] = cost[k]; ocostValid[k] = k % 7 != 3;
            flag[k] = rnd.Next(3) == 0;
            rflag[k] = (k / 100) % 2 == 0;
            oflag[k] = k % 2 == 0; oflagValid[k] = k % 11 != 0;
            lengths[k] = k % 5 == 0 ? 17 : rnd.Next(0, 20);
            for (int j = 0; j < lengths[k]; j++) vec.Add(k + j / 32f);
        }
        var offsets = new int[n + 1];
        for (int k = 0; k < n; k++) offsets[k + 1] = offsets[k] + lengths[k];
        var options = new ParquetWriteOptions
        {
            DataPageVersion = pageVersion, PageSizeBytes = 1024, Compression = ParquetCompression.Snappy,
            ColumnEncodings = new Dictionary<string, ParquetEncoding> { ["rflag"] = ParquetEncoding.Rle },
        };
        var bytes = ParquetRoundTripTests.Write(schema, w => w.WriteBatch(new ParquetColumnBatch(n)
            .Add<float>("cost", cost).Add<float>("ocost", ocost, ocostValid).Add<bool>("flag", flag).Add<bool>("rflag", rflag)
            .Add<bool>("oflag", oflag, oflagValid).AddList<float>("vec", vec.ToArray(), offsets)), options);

        using var r = new ParquetFileReader(bytes);
        Assert.Contains(ParquetEncoding.RleDictionary, r.Metadata.RowGroups[0].Columns[0].Encodings);
        Assert.Equal(cost, r.ReadValues<float>(0, "cost"));
        var oc = r.ReadValues<float>(0, "ocost", out var ocValidity);
        Assert.Equal(ocostValid, ocValidity);
        for (int k = 0; k < n; k++) Assert.Equal(ocostValid[k] ? ocost[k] : 0f, oc[k]);
        Assert.Equal(flag, r.ReadValues<bool>(0, "flag"));
        Assert.Equal(rflag, r.ReadValues<bool>(0, "rflag"));
        var of = r.ReadValues<bool>(0, "oflag", out var ofValidity);
        Assert.Equal(oflagValid, ofValidity);
        for (int k = 0; k < n; k++) Assert.Equal(oflagValid[k] && oflag[k], of[k]);
        var list = r.ReadList<float>(0, "vec");
        Assert.Equal(offsets, list.Offsets);
        Assert.Equal(vec, list.Values);
    }
}
