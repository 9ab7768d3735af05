using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Parquet.Tests;

/// <summary>
/// The scan's fast paths: PLAIN fixed-width pages that decompress straight into the output (required
/// columns in v1 pages, any page in v2 whose values are all present) and reads into caller memory
/// must give the same values as the general path, for every codec and both page versions.
/// </summary>
public class ParquetScanIntoTests
{
    public static TheoryData<ParquetCompression, int, bool> Layouts()
    {
        var data = new TheoryData<ParquetCompression, int, bool>();
        foreach (var codec in new[] { ParquetCompression.Uncompressed, ParquetCompression.Snappy, ParquetCompression.Gzip, ParquetCompression.Zstd, ParquetCompression.Lz4Raw })
            foreach (int version in new[] { 1, 2 })
                foreach (bool dictionary in new[] { false, true })
                    data.Add(codec, version, dictionary);
        return data;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Fast_paths_read_what_was_written(ParquetCompression codec, int version, bool dictionary)
    {
        const int rows = 5000, dim = 3;
        var schema = new ParquetSchema(ParquetField.Int64("id"), ParquetField.Float("x"), ParquetField.Double("d"), ParquetField.List("obs", ParquetField.Float("element")));
        var ids = Enumerable.Range(0, rows).Select(i => (long)i * 7919).ToArray();
        var xs = Enumerable.Range(0, rows).Select(i => MathF.Sin(i)).ToArray();
        var ds = Enumerable.Range(0, rows).Select(i => Math.Cos(i) * 1e6).ToArray();
        var obs = Enumerable.Range(0, rows * dim).Select(i => i * 0.25f).ToArray();
        var ms = new MemoryStream();
        var options = new ParquetWriteOptions { Compression = codec, DataPageVersion = version, EnableDictionary = dictionary, PageSizeBytes = 4096, MaxRowGroupRows = 3000 };
        using (var w = new ParquetFileWriter(ms, schema, options, leaveOpen: true))
            w.WriteBatch(new ParquetColumnBatch(rows).Add<long>("id", ids).Add<float>("x", xs).Add<double>("d", ds).AddFixedSizeList<float>("obs", obs, dim));

        using var r = new ParquetFileReader(ms.ToArray());
        Assert.Equal(2, r.RowGroupCount);
        // One destination, longer than any row group, reused for both: nothing may leak between them.
        var idInto = new long[4000];
        var xInto = new float[4000];
        int first = 0;
        for (int g = 0; g < r.RowGroupCount; g++)
        {
            int n = (int)r.GetRowGroupRowCount(g);
            Assert.Equal(ids[first..(first + n)], r.ReadValues<long>(g, "id"));
            Assert.Equal(xs[first..(first + n)], r.ReadValues<float>(g, "x"));
            Assert.Equal(ds[first..(first + n)], r.ReadValues<double>(g, "d"));
            Assert.Equal(obs[(first * dim)..((first + n) * dim)], r.ReadFixedSizeList<float>(g, "obs", dim));
            Assert.Equal(n, r.ReadValues<long>(g, "id", idInto));
            Assert.Equal(ids[first..(first + n)], idInto[..n]);
            Assert.Equal(n, r.ReadValues<float>(g, "x", xInto.AsMemory()));
            Assert.Equal(xs[first..(first + n)], xInto[..n]);
            first += n;
        }
    }

    [Fact]
    public void Optional_columns_with_nulls_still_spread_their_values()
    {
        var schema = new ParquetSchema(ParquetField.Float("x", optional: true));
        var values = Enumerable.Range(0, 300).Select(i => i % 3 == 0 ? (object?)null : (float)i).ToArray();
        foreach (int version in new[] { 1, 2 })
        {
            var bytes = ParquetRoundTripTests.Write(schema, w => { foreach (var v in values) w.WriteRow([v]); },
                new ParquetWriteOptions { Compression = ParquetCompression.Snappy, DataPageVersion = version, EnableDictionary = false });
            using var r = new ParquetFileReader(bytes);
            var read = r.ReadValues<float>(0, "x", out var validity);
            Assert.NotNull(validity);
            for (int i = 0; i < values.Length; i++)
            {
                Assert.Equal(values[i] is not null, validity[i]);
                Assert.Equal(values[i] is float f ? f : 0f, read[i]);
            }
            var into = new float[values.Length];
            Assert.Contains("nulls", Assert.Throws<InvalidDataException>(() => r.ReadValues<float>(0, "x", into)).Message);
        }
    }

    [Fact]
    public void A_destination_shorter_than_the_row_group_is_refused()
    {
        var schema = new ParquetSchema(ParquetField.Int32("a"));
        var bytes = ParquetRoundTripTests.Write(schema, w => { for (int i = 0; i < 10; i++) w.WriteRow([i]); });
        using var r = new ParquetFileReader(bytes);
        Assert.Contains("10 rows", Assert.Throws<ArgumentException>(() => r.ReadValues<int>(0, "a", new int[9])).Message);
    }
}
