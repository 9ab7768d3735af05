using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Parquet.Tests;

public class ParquetRoundTripTests
{
    internal static byte[] Write(ParquetSchema schema, Action<ParquetFileWriter> write, ParquetWriteOptions? options = null)
    {
        var ms = new MemoryStream();
        using (var w = new ParquetFileWriter(ms, schema, options, leaveOpen: true)) write(w);
        return ms.ToArray();
    }

    public static TheoryData<ParquetCompression, int, bool> Variants()
    {
        var data = new TheoryData<ParquetCompression, int, bool>();
        foreach (var c in new[] { ParquetCompression.Uncompressed, ParquetCompression.Snappy, ParquetCompression.Gzip, ParquetCompression.Brotli, ParquetCompression.Zstd, ParquetCompression.Lz4Raw })
            foreach (var v in new[] { 1, 2 })
                foreach (var dict in new[] { true, false })
                    data.Add(c, v, dict);
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Flat_columns_of_every_type_round_trip_columnar(ParquetCompression codec, int pageVersion, bool dictionary)
    {
        var schema = new ParquetSchema(
            ParquetField.Boolean("b"), ParquetField.Int32("i"), ParquetField.Int64("l"), ParquetField.Float("f"),
            ParquetField.Double("d"), ParquetField.String("s"), ParquetField.Binary("bin"), ParquetField.FixedLenByteArray("fx", 3),
            ParquetField.Int32("oi", optional: true), ParquetField.String("os", optional: true));
        const int n = 5000;
        var rnd = new Random(1);
        var b = new bool[n]; var i32 = new int[n]; var i64 = new long[n]; var f = new float[n]; var d = new double[n];
        var s = new string[n]; var bin = new byte[n][]; var fx = new byte[n][]; var oi = new int[n]; var oiValid = new bool[n]; var os = new string?[n];
        for (int k = 0; k < n; k++)
        {
            b[k] = rnd.Next(2) == 0; i32[k] = rnd.Next(int.MinValue, int.MaxValue); i64[k] = rnd.NextInt64(long.MinValue, long.MaxValue);
            f[k] = (float)rnd.NextDouble() * 100 - 50; d[k] = rnd.NextDouble() * 1e6; s[k] = "variant-" + rnd.Next(20);
            bin[k] = Enumerable.Range(0, rnd.Next(5)).Select(x => (byte)rnd.Next(256)).ToArray();
            fx[k] = [(byte)k, (byte)(k >> 8), 7];
            oi[k] = k; oiValid[k] = k % 3 != 0; os[k] = k % 5 == 0 ? null : "ü" + k;
        }
        var options = new ParquetWriteOptions { Compression = codec, DataPageVersion = pageVersion, EnableDictionary = dictionary, PageSizeBytes = 4096 };
        var bytes = Write(schema, w => w.WriteBatch(new ParquetColumnBatch(n)
            .Add<bool>("b", b).Add<int>("i", i32).Add<long>("l", i64).Add<float>("f", f).Add<double>("d", d)
            .Add<string>("s", s).Add<byte[]>("bin", bin).Add<byte[]>("fx", fx).Add<int>("oi", oi, oiValid).Add<string>("os", os!)), options);

        using var r = new ParquetFileReader(bytes, "t.parquet");
        Assert.Equal(n, r.RowCount);
        Assert.Equal(1, r.RowGroupCount);
        Assert.Equal(b, r.ReadValues<bool>(0, "b"));
        Assert.Equal(i32, r.ReadValues<int>(0, "i"));
        Assert.Equal(i64, r.ReadValues<long>(0, "l"));
        Assert.Equal(f, r.ReadValues<float>(0, "f"));
        Assert.Equal(d, r.ReadValues<double>(0, "d"));
        Assert.Equal(s, r.ReadValues<string>(0, "s"));
        Assert.Equal(bin, r.ReadValues<byte[]>(0, "bin"));
        Assert.Equal(fx, r.ReadValues<byte[]>(0, "fx"));
        var oiRead = r.ReadValues<int>(0, "oi", out var oiValidity);
        Assert.Equal(oiValid, oiValidity);
        for (int k = 0; k < n; k++) Assert.Equal(oiValid[k] ? oi[k] : 0, oiRead[k]);
        var osRead = r.ReadValues<string>(0, "os", out var osValidity);
        for (int k = 0; k < n; k++)
        {
            Assert.Equal(os[k] is not null, osValidity![k]);
            if (os[k] is not null) Assert.Equal(os[k], osRead[k]);
        }
        var chunk = r.Metadata.RowGroups[0].Columns[schema.Column("s").Index];
        Assert.Equal(codec, chunk.Codec);
        Assert.Equal(dictionary, chunk.Encodings.Contains(ParquetEncoding.RleDictionary));
    }

    [Fact]
    public void Transition_shaped_table_round_trips_through_fast_list_paths()
    {
        var schema = new ParquetSchema(
            ParquetField.Int64("episode_id"), ParquetField.Int32("step"), ParquetField.String("variant"),
            ParquetField.List("obs", ParquetField.Float("element")), ParquetField.List("action", ParquetField.Float("element")),
            ParquetField.Boolean("unsafe"));
        const int n = 20000;
        var ep = new long[n]; var step = new int[n]; var variant = new string[n]; var obs = new float[n * 17]; var act = new float[n * 6]; var uns = new bool[n];
        var rnd = new Random(3);
        for (int k = 0; k < n; k++) { ep[k] = k / 100; step[k] = k % 100; variant[k] = "v" + (k % 20); uns[k] = rnd.Next(20) == 0; }
        for (int k = 0; k < obs.Length; k++) obs[k] = (float)rnd.NextDouble();
        for (int k = 0; k < act.Length; k++) act[k] = (float)rnd.NextDouble() * 2 - 1;
        var options = new ParquetWriteOptions { RowGroupSizeBytes = 512 * 1024, PageSizeBytes = 64 * 1024 };
        var bytes = Write(schema, w => w.WriteBatch(new ParquetColumnBatch(n)
            .Add<long>("episode_id", ep).Add<int>("step", step).Add<string>("variant", variant)
            .AddFixedSizeList<float>("obs", obs, 17).AddFixedSizeList<float>("action", act, 6).Add<bool>("unsafe", uns)), options);

        using var r = new ParquetFileReader(bytes);
        Assert.True(r.RowGroupCount > 1, "a size target below the data size must split row groups");
        var obsBack = new List<float>(); var epBack = new List<long>(); var actBack = new List<float>(); var varBack = new List<string>();
        for (int g = 0; g < r.RowGroupCount; g++)
        {
            obsBack.AddRange(r.ReadFixedSizeList<float>(g, "obs", 17));
            actBack.AddRange(r.ReadList<float>(g, "action").Values);
            epBack.AddRange(r.ReadValues<long>(g, "episode_id"));
            varBack.AddRange(r.ReadValues<string>(g, "variant"));
        }
        Assert.Equal(obs, obsBack);
        Assert.Equal(act, actBack);
        Assert.Equal(ep, epBack);
        Assert.Equal(variant, varBack);
        Assert.Equal(n, r.ReadRows().Count());
    }
}
