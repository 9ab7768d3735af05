using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Encodings;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Parquet.Tests;

public class ParquetEncodingTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_reader_encoding_round_trips_through_the_writer(int pageVersion)
    {
        var schema = new ParquetSchema(
            ParquetField.Int32("dbp32"), ParquetField.Int64("dbp64"), ParquetField.String("dlba"), ParquetField.String("dba", optional: true),
            ParquetField.Binary("dbabin"), ParquetField.Float("bssf"), ParquetField.Double("bssd"), ParquetField.Int64("bssl"),
            ParquetField.FixedLenByteArray("bssfx", 5), ParquetField.Boolean("rle"));
        const int n = 3000;
        var rnd = new Random(11);
        var i32 = Enumerable.Range(0, n).Select(k => k % 7 == 0 ? int.MinValue : k % 11 == 0 ? int.MaxValue : rnd.Next(-1000, 1000)).ToArray();
        var i64 = Enumerable.Range(0, n).Select(k => k % 5 == 0 ? long.MaxValue : k * 1_000_000_007L).ToArray();
        var strings = Enumerable.Range(0, n).Select(k => $"prefix/{k / 10}/{k}").ToArray();
        var optional = strings.Select((s, k) => k % 4 == 0 ? null : s).ToArray();
        var bins = Enumerable.Range(0, n).Select(k => BitConverter.GetBytes(k / 3)).ToArray();
        var f = Enumerable.Range(0, n).Select(_ => (float)rnd.NextDouble()).ToArray();
        var d = Enumerable.Range(0, n).Select(_ => rnd.NextDouble()).ToArray();
        var fx = Enumerable.Range(0, n).Select(k => new byte[] { (byte)k, 1, 2, 3, (byte)(k >> 8) }).ToArray();
        var bools = Enumerable.Range(0, n).Select(k => k % 100 < 90).ToArray();
        var options = new ParquetWriteOptions
        {
            DataPageVersion = pageVersion,
            PageSizeBytes = 4096,
            ColumnEncodings = new Dictionary<string, ParquetEncoding>
            {
                ["dbp32"] = ParquetEncoding.DeltaBinaryPacked, ["dbp64"] = ParquetEncoding.DeltaBinaryPacked,
                ["dlba"] = ParquetEncoding.DeltaLengthByteArray, ["dba"] = ParquetEncoding.DeltaByteArray, ["dbabin"] = ParquetEncoding.DeltaByteArray,
                ["bssf"] = ParquetEncoding.ByteStreamSplit, ["bssd"] = ParquetEncoding.ByteStreamSplit, ["bssl"] = ParquetEncoding.ByteStreamSplit,
                ["bssfx"] = ParquetEncoding.ByteStreamSplit, ["rle"] = ParquetEncoding.Rle,
            },
        };
        var bytes = ParquetRoundTripTests.Write(schema, w => w.WriteBatch(new ParquetColumnBatch(n)
            .Add<int>("dbp32", i32).Add<long>("dbp64", i64).Add<string>("dlba", strings).Add<string>("dba", optional!)
            .Add<byte[]>("dbabin", bins).Add<float>("bssf", f).Add<double>("bssd", d).Add<long>("bssl", i64).Add<byte[]>("bssfx", fx).Add<bool>("rle", bools)), options);
        using var r = new ParquetFileReader(bytes);
        var chunks = r.Metadata.RowGroups[0].Columns;
        Assert.Contains(ParquetEncoding.DeltaBinaryPacked, chunks[0].Encodings);
        Assert.Contains(ParquetEncoding.DeltaLengthByteArray, chunks[2].Encodings);
        Assert.Contains(ParquetEncoding.DeltaByteArray, chunks[3].Encodings);
        Assert.Contains(ParquetEncoding.ByteStreamSplit, chunks[5].Encodings);
        Assert.Equal(i32, r.ReadValues<int>(0, "dbp32"));
        Assert.Equal(i64, r.ReadValues<long>(0, "dbp64"));
        Assert.Equal(strings, r.ReadValues<string>(0, "dlba"));
        var dba = r.ReadValues<string>(0, "dba", out var valid);
        for (int k = 0; k < n; k++) Assert.Equal(optional[k], valid![k] ? dba[k] : null);
        Assert.Equal(bins, r.ReadValues<byte[]>(0, "dbabin"));
        Assert.Equal(f, r.ReadValues<float>(0, "bssf"));
        Assert.Equal(d, r.ReadValues<double>(0, "bssd"));
        Assert.Equal(i64, r.ReadValues<long>(0, "bssl"));
        Assert.Equal(fx, r.ReadValues<byte[]>(0, "bssfx"));
        Assert.Equal(bools, r.ReadValues<bool>(0, "rle"));
        Assert.Equal(new ParquetStatistics(int.MinValue, int.MaxValue, 0L, null), r.GetStatistics(0, "dbp32"));
    }

    [Fact]
    public void Rle_hybrid_round_trips_runs_literals_and_every_width()
    {
        var rnd = new Random(2);
        for (int width = 1; width <= 20; width++)
        {
            int max = (1 << width) - 1;
            var values = new int[1000];
            for (int i = 0; i < values.Length; i++)
                values[i] = i % 100 < 40 ? max : i % 100 < 43 ? 0 : rnd.Next(max + 1);
            using var buffer = new PooledBuffer();
            RleHybrid.Encode((ReadOnlySpan<int>)values, width, buffer);
            var back = new int[values.Length];
            int used = RleHybrid.Decode(buffer.WrittenSpan, width, back.AsSpan());
            Assert.Equal(values, back);
            Assert.True(used <= buffer.Length);
        }
    }

    [Fact]
    public void Delta_binary_packed_handles_extremes_and_short_blocks()
    {
        foreach (var values in new[] { new long[] { 5 }, new long[] { long.MinValue, long.MaxValue, 0, -1, long.MinValue }, Enumerable.Range(0, 300).Select(i => (long)i * i).ToArray(), Array.Empty<long>() })
        {
            using var buffer = new PooledBuffer();
            DeltaCodec.Encode(values, is32Bit: false, buffer);
            var back = new long[values.Length];
            DeltaCodec.DecodeInt64(buffer.WrittenSpan, back, exact: true);
            Assert.Equal(values, back);
        }
    }

    [Fact]
    public void Snappy_decoder_reads_what_IronSnappy_writes_and_rejects_bad_offsets()
    {
        var data = new byte[100_000];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i % 251 < 100 ? 7 : i * 31);
        var compressed = IronSnappy.Snappy.Encode(data);
        var back = new byte[data.Length];
        OfflineSafety.Parquet.Compression.SnappyDecoder.Decode(compressed, back);
        Assert.Equal(data, back);
        // A copy whose offset points before the start of the output.
        byte[] bad = [8, 0x01 << 2 | 1, 0x10];
        Assert.Throws<ParquetFormatException>(() => OfflineSafety.Parquet.Compression.SnappyDecoder.Decode(bad, new byte[8]));
    }

    [Fact]
    public void Snappy_runs_of_every_short_period_decode_exactly()
    {
        // Overlapping copies take three paths (byte pattern doubling, 8-byte words, plain copy); each period exercises one.
        var rnd = new Random(11);
        for (int period = 1; period <= 24; period++)
        {
            var pattern = Enumerable.Range(0, period).Select(_ => (byte)rnd.Next(256)).ToArray();
            var data = Enumerable.Range(0, 20_000).Select(i => i % 3000 < 2900 ? pattern[i % period] : (byte)rnd.Next(256)).ToArray();
            var back = new byte[data.Length];
            OfflineSafety.Parquet.Compression.SnappyDecoder.Decode(IronSnappy.Snappy.Encode(data), back);
            Assert.True(data.AsSpan().SequenceEqual(back), $"period {period}");
        }
    }

    [Fact]
    public void Snappy_encoder_output_is_read_by_IronSnappy_and_our_decoder()
    {
        var rnd = new Random(4);
        var inputs = new List<byte[]>
        {
            Array.Empty<byte>(),
            new byte[] { 42 },
            new byte[200_000],                                                    // one long run
            Enumerable.Range(0, 300_000).Select(i => (byte)(i % 7)).ToArray(),    // short-period repeats
            Enumerable.Range(0, 150_000).Select(_ => (byte)rnd.Next(256)).ToArray(), // incompressible
            Enumerable.Range(0, 100_000).Select(i => (byte)(i % 1000 < 500 ? rnd.Next(4) : i)).ToArray(),
        };
        foreach (var input in inputs)
        {
            var buffer = new byte[OfflineSafety.Parquet.Compression.SnappyEncoder.MaxCompressedLength(input.Length)];
            int n = OfflineSafety.Parquet.Compression.SnappyEncoder.Encode(input, buffer);
            Assert.Equal(input, IronSnappy.Snappy.Decode(buffer.AsSpan(0, n)));
            var back = new byte[input.Length];
            OfflineSafety.Parquet.Compression.SnappyDecoder.Decode(buffer.AsSpan(0, n), back);
            Assert.Equal(input, back);
            if (input.Length == 200_000) Assert.True(n < 20_000, "a long run must compress");
        }
    }
}
