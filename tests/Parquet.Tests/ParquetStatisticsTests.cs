using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Parquet.Tests;

public class ParquetStatisticsTests
{
    [Fact]
    public void Statistics_use_the_type_order_of_each_column()
    {
        var schema = new ParquetSchema(
            ParquetField.Int32("i"), ParquetField.Int("u", 32, isSigned: false), ParquetField.Int64("l"),
            ParquetField.Float("f", optional: true), ParquetField.String("s"), ParquetField.Boolean("b"), ParquetField.Double("z"));
        int[] i = [5, -3, 7];
        int[] u = [1, -1, 3];            // -1 is 4294967295 unsigned: the maximum
        long[] l = [long.MinValue, 0, 9];
        float[] f = [float.NaN, 2.5f, -1.5f];
        bool[] fValid = [true, true, false];
        string[] s = ["b", "é", "a"];   // "é" (0xC3 0xA9) sorts after ASCII byte-wise
        bool[] b = [true, true, true];
        double[] z = [0.0, -0.0, 0.0];
        foreach (bool dictionary in new[] { true, false })
        {
            var bytes = ParquetRoundTripTests.Write(schema, w => w.WriteBatch(new ParquetColumnBatch(3)
                .Add<int>("i", i).Add<int>("u", u).Add<long>("l", l).Add<float>("f", f, fValid).Add<string>("s", s).Add<bool>("b", b).Add<double>("z", z)),
                new ParquetWriteOptions { EnableDictionary = dictionary });
            using var r = new ParquetFileReader(bytes);
            Assert.True(r.Metadata.HasTypeDefinedColumnOrders);
            Assert.Equal(new ParquetStatistics(-3, 7, 0L, null), r.GetStatistics(0, "i"));
            Assert.Equal(new ParquetStatistics(1, -1, 0L, null), r.GetStatistics(0, "u"));
            Assert.Equal(new ParquetStatistics(long.MinValue, 9L, 0L, null), r.GetStatistics(0, "l"));
            // NaN is ignored by the bounds; the null is counted.
            Assert.Equal(new ParquetStatistics(2.5f, 2.5f, 1L, null), r.GetStatistics(0, "f"));
            Assert.Equal(new ParquetStatistics("a", "é", 0L, null), r.GetStatistics(0, "s"));
            Assert.Equal(new ParquetStatistics(true, true, 0L, null), r.GetStatistics(0, "b"));
            var zs = r.GetStatistics(0, "z")!;
            Assert.True(double.IsNegative((double)zs.Min!), "a zero minimum is written as -0");
            Assert.False(double.IsNegative((double)zs.Max!), "a zero maximum is written as +0");
            // Unsigned columns must not expose legacy signed bounds.
            Assert.Null(r.Metadata.RowGroups[0].Columns[1].Statistics!.Min);
        }
    }

    [Fact]
    public void All_NaN_float_chunks_get_no_bounds()
    {
        var schema = new ParquetSchema(ParquetField.Float("f"));
        var bytes = ParquetRoundTripTests.Write(schema, w => w.WriteBatch(new ParquetColumnBatch(2).Add<float>("f", new[] { float.NaN, float.NaN })));
        using var r = new ParquetFileReader(bytes);
        var s = r.GetStatistics(0, "f")!;
        Assert.Null(s.Min);
        Assert.Null(s.Max);
        Assert.True(float.IsNaN(r.ReadValues<float>(0, "f")[1]));
    }

    [Fact]
    public void Row_groups_are_skipped_when_statistics_rule_them_out()
    {
        var schema = new ParquetSchema(ParquetField.Int64("episode_id"), ParquetField.String("variant"));
        var bytes = ParquetRoundTripTests.Write(schema, w =>
        {
            for (int g = 0; g < 4; g++)
            {
                var ids = Enumerable.Range(g * 100, 100).Select(x => (long)x).ToArray();
                var variants = Enumerable.Repeat($"v{g}", 100).ToArray();
                w.WriteBatch(new ParquetColumnBatch(100).Add<long>("episode_id", ids).Add<string>("variant", variants));
                w.FlushRowGroup();
            }
        });
        using var r = new ParquetFileReader(bytes);
        Assert.Equal(4, r.RowGroupCount);
        Assert.Equal([1, 2], r.RowGroupsMatching(ParquetFilter.Between("episode_id", 150, 250)));
        Assert.Equal([3], r.RowGroupsMatching(ParquetFilter.AtLeast("episode_id", 399L)));
        Assert.Empty(r.RowGroupsMatching(ParquetFilter.AtLeast("episode_id", 400)));
        Assert.Equal([2], r.RowGroupsMatching(ParquetFilter.EqualTo("variant", "v2")));
        Assert.Equal([0, 1], r.RowGroupsMatching(ParquetFilter.AtMost("variant", "v1"), ParquetFilter.AtMost("episode_id", 1000)));
        var rows = r.ReadRows(new ParquetReadOptions { Filters = [ParquetFilter.EqualTo("variant", "v3")], Columns = ["episode_id"] }).ToList();
        Assert.Equal(100, rows.Count);
        Assert.Equal(300L, rows[0][0]);
    }

    [Fact]
    public void Dictionary_falls_back_to_plain_when_it_outgrows_its_limit()
    {
        var schema = new ParquetSchema(ParquetField.String("s"));
        const int n = 20000;
        // Low cardinality at first (dictionary pays off), then unique values until the limit is hit.
        var values = Enumerable.Range(0, n).Select(k => k < 10000 ? $"common-{k % 10}" : $"unique-{k:D8}-padding-padding").ToArray();
        var bytes = ParquetRoundTripTests.Write(schema, w => w.WriteBatch(new ParquetColumnBatch(n).Add<string>("s", values)),
            new ParquetWriteOptions { DictionaryPageSizeLimit = 16 * 1024, PageSizeBytes = 8 * 1024 });
        using var r = new ParquetFileReader(bytes);
        var chunk = r.Metadata.RowGroups[0].Columns[0];
        Assert.Contains(ParquetEncoding.RleDictionary, chunk.Encodings);
        Assert.Contains(ParquetEncoding.Plain, chunk.Encodings);
        Assert.NotNull(chunk.DictionaryPageOffset);
        Assert.Equal(values, r.ReadValues<string>(0, "s"));
        Assert.Equal(new ParquetStatistics("common-0", "unique-00019999-padding-padding", 0L, null), r.GetStatistics(0, "s"));
    }

    [Fact]
    public void High_cardinality_floats_skip_the_dictionary_and_low_cardinality_ints_keep_it()
    {
        var schema = new ParquetSchema(ParquetField.Float("f"), ParquetField.Int32("step"));
        const int n = 10000;
        var rnd = new Random(5);
        var f = Enumerable.Range(0, n).Select(_ => (float)rnd.NextDouble()).ToArray();
        var step = Enumerable.Range(0, n).Select(k => k % 50).ToArray();
        var bytes = ParquetRoundTripTests.Write(schema, w => w.WriteBatch(new ParquetColumnBatch(n).Add<float>("f", f).Add<int>("step", step)));
        using var r = new ParquetFileReader(bytes);
        Assert.DoesNotContain(ParquetEncoding.RleDictionary, r.Metadata.RowGroups[0].Columns[0].Encodings);
        Assert.Null(r.Metadata.RowGroups[0].Columns[0].DictionaryPageOffset);
        Assert.Contains(ParquetEncoding.RleDictionary, r.Metadata.RowGroups[0].Columns[1].Encodings);
        Assert.Equal(f, r.ReadValues<float>(0, "f"));
        Assert.Equal(step, r.ReadValues<int>(0, "step"));
    }

    [Fact]
    public void Key_value_metadata_and_logical_types_survive_the_footer()
    {
        var schema = new ParquetSchema(
            ParquetField.Date("d"), ParquetField.Timestamp("t", ParquetTimeUnit.Millis), ParquetField.Decimal("m", 9, 2),
            ParquetField.Int("small", 8, isSigned: true), ParquetField.Int("big", 64, isSigned: false));
        var bytes = ParquetRoundTripTests.Write(schema, w =>
        {
            w.SetMetadata("obs_dim", "17");
            w.WriteRow([new DateOnly(1970, 1, 11), new DateTime(1970, 1, 1, 0, 0, 1, DateTimeKind.Utc), 12345, (sbyte)-5, 7UL]);
        }, new ParquetWriteOptions { Metadata = new Dictionary<string, string> { ["env"] = "PointGoal" } });
        using var r = new ParquetFileReader(bytes);
        Assert.Equal("17", r.Metadata.GetMetadata("obs_dim"));
        Assert.Equal("PointGoal", r.Metadata.GetMetadata("env"));
        Assert.Equal("OfflineSafety parquet", r.Metadata.CreatedBy);
        Assert.Equal(ParquetLogicalType.Date, r.Schema.Column("d").LogicalType);
        Assert.Equal(ParquetLogicalType.Timestamp(ParquetTimeUnit.Millis), r.Schema.Column("t").LogicalType);
        Assert.Equal(ParquetLogicalType.Decimal(9, 2), r.Schema.Column("m").LogicalType);
        Assert.Equal(ParquetLogicalType.Integer(8, true), r.Schema.Column("small").LogicalType);
        Assert.Equal(ParquetPhysicalType.Int64, r.Schema.Column("big").PhysicalType);
        Assert.Equal([10, 1000L, 12345, -5, 7L], r.ReadRows().Single());
    }

    [Fact]
    public void Int96_timestamps_are_read_as_12_byte_values_without_statistics()
    {
        var schema = new ParquetSchema(new ParquetPrimitiveField("ts", ParquetPhysicalType.Int96, ParquetRepetition.Optional));
        var when = new DateTime(2024, 2, 29, 13, 45, 30, 123, DateTimeKind.Utc).AddTicks(4567);
        var before = new DateTime(1969, 7, 20, 20, 17, 40, DateTimeKind.Utc);
        var bytes = ParquetRoundTripTests.Write(schema, w =>
        {
            w.WriteRow([ParquetInt96.FromDateTime(when)]);
            w.WriteRow([null]);
            w.WriteRow([ParquetInt96.FromDateTime(before)]);
        });
        using var r = new ParquetFileReader(bytes);
        var values = r.ReadValues<byte[]>(0, "ts", out var validity);
        Assert.Equal([true, false, true], validity!);
        Assert.Equal(when, ParquetInt96.ToDateTime(values[0]));
        Assert.Equal(before, ParquetInt96.ToDateTime(values[2]));
        var stats = r.GetStatistics(0, "ts")!;
        Assert.Null(stats.Min);
        Assert.Equal(1L, stats.NullCount);
    }
}
