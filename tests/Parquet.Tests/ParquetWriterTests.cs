using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Parquet.Tests;

public class ParquetWriterTests
{
    [Fact]
    public void Streaming_batches_close_row_groups_at_the_size_target()
    {
        var schema = new ParquetSchema(ParquetField.Int64("id"), ParquetField.List("obs", ParquetField.Float("element")));
        const int batches = 40, rows = 2000;
        long target = 256 * 1024;
        var ms = new MemoryStream();
        using (var w = new ParquetFileWriter(ms, schema, new ParquetWriteOptions { RowGroupSizeBytes = target, PageSizeBytes = 32 * 1024 }, leaveOpen: true))
        {
            for (int b = 0; b < batches; b++)
            {
                var ids = Enumerable.Range(b * rows, rows).Select(i => (long)i).ToArray();
                var obs = Enumerable.Range(0, rows * 8).Select(i => (float)(b * rows * 8 + i)).ToArray();
                w.WriteBatch(new ParquetColumnBatch(rows).Add<long>("id", ids).AddFixedSizeList<float>("obs", obs, 8));
                // Row groups are written out as they fill, so only one is ever buffered.
                Assert.True(ms.Length >= (w.RowCount - rows) * 36 / 2 - target, "earlier row groups must already be on the stream");
            }
            Assert.Equal(batches * rows, w.RowCount);
        }
        using var r = new ParquetFileReader(ms.ToArray());
        Assert.Equal(batches * rows, r.RowCount);
        Assert.True(r.RowGroupCount >= 10, $"{r.RowGroupCount} row groups for ~{batches * rows * 40 / 1024} KiB at a {target / 1024} KiB target");
        long expected = 0;
        for (int g = 0; g < r.RowGroupCount; g++)
        {
            Assert.True(r.Metadata.RowGroups[g].TotalByteSize < 2 * target, $"row group {g} holds {r.Metadata.RowGroups[g].TotalByteSize} bytes");
            foreach (var id in r.ReadValues<long>(g, "id")) Assert.Equal(expected++, id);
            var obs = r.ReadFixedSizeList<float>(g, "obs", 8);
            Assert.Equal((float)(r.ReadValues<long>(g, "id")[0] * 8), obs[0]);
        }
    }

    [Fact]
    public void Row_api_converts_common_dotnet_values()
    {
        var schema = new ParquetSchema(ParquetField.Int32("i"), ParquetField.Int64("l"), ParquetField.Double("d"), ParquetField.Binary("bin"),
            ParquetField.FixedLenByteArray("fx", 2), ParquetField.Map("m", ParquetField.Int32("key"), ParquetField.String("value", optional: true)));
        var bytes = ParquetRoundTripTests.Write(schema, w => w.WriteRow([(short)3, 4, 1.5f, new byte[] { 1 }, new byte[] { 2, 3 }, new Dictionary<int, string?> { [1] = "a", [2] = null }]));
        using var r = new ParquetFileReader(bytes);
        var row = r.ReadRows().Single();
        Assert.Equal(3, row[0]);
        Assert.Equal(4L, row[1]);
        Assert.Equal(1.5, row[2]);
        Assert.Equal(new byte[] { 1 }, row[3]);
        Assert.Equal(new byte[] { 2, 3 }, row[4]);
        Assert.True(RowValues.DeepEqual(new List<KeyValuePair<object, object?>> { new(1, "a"), new(2, null) }, row[5]));
    }

    [Fact]
    public void Misuse_is_reported_as_argument_errors_naming_the_column()
    {
        var schema = new ParquetSchema(ParquetField.Int32("a"), ParquetField.Float("b", optional: true), ParquetField.FixedLenByteArray("fx", 4));
        using var w = new ParquetFileWriter(new MemoryStream(), schema);
        Assert.Contains("lacks column fx", Assert.Throws<ArgumentException>(() => w.WriteBatch(new ParquetColumnBatch(1).Add<int>("a", new[] { 1 }).Add<float>("b", new[] { 1f }))).Message);
        Assert.Contains("holds Int32 values", Assert.Throws<ArgumentException>(() =>
            w.WriteBatch(new ParquetColumnBatch(1).Add<long>("a", new[] { 1L }).Add<float>("b", new[] { 1f }).Add<byte[]>("fx", new[] { new byte[4] }))).Message);
        Assert.Contains("no column 'zz'", Assert.Throws<ArgumentException>(() => w.WriteBatch(new ParquetColumnBatch(0).Add<int>("zz", Array.Empty<int>()))).Message);
        Assert.Throws<ArgumentException>(() => new ParquetColumnBatch(2).Add<int>("a", new[] { 1 }));
        Assert.Contains("has 2 values, the schema has 3 fields", Assert.Throws<ArgumentException>(() => w.WriteRow([1, 2f])).Message);
        Assert.Contains("a is required", Assert.Throws<ArgumentException>(() =>
            w.WriteBatch(new ParquetColumnBatch(1).Add<int>("a", new[] { 1 }, new[] { false }).Add<float>("b", new[] { 1f }).Add<byte[]>("fx", new[] { new byte[4] }))).Message);
    }

    [Fact]
    public void Reading_nullable_data_through_the_non_null_api_explains_itself()
    {
        var schema = new ParquetSchema(ParquetField.Float("f", optional: true), ParquetField.List("l", ParquetField.Int32("element"), optional: true));
        var bytes = ParquetRoundTripTests.Write(schema, w =>
        {
            w.WriteRow([1f, new List<object?> { 1, 2 }]);
            w.WriteRow([null, null]);
        });
        using var r = new ParquetFileReader(bytes);
        Assert.Contains("has nulls", Assert.Throws<InvalidDataException>(() => r.ReadValues<float>(0, "f")).Message);
        Assert.Contains("null lists", Assert.Throws<InvalidDataException>(() => r.ReadFixedSizeList<int>(0, "l", 2)).Message);
        Assert.Contains("holds Single values", Assert.Throws<ArgumentException>(() => r.ReadValues<double>(0, "f")).Message);
        Assert.Contains("repeated", Assert.Throws<ArgumentException>(() => r.ReadValues<int>(0, "l")).Message);
        Assert.Equal(new float[] { 1, 0 }, r.ReadValues<float>(0, "f", out var validity));
        Assert.Equal(new[] { true, false }, validity);
    }

    [Fact]
    public void Cancellation_stops_a_batch_and_a_row_scan()
    {
        var schema = new ParquetSchema(ParquetField.Int32("a"));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        using (var w = new ParquetFileWriter(new MemoryStream(), schema))
            Assert.ThrowsAny<OperationCanceledException>(() => w.WriteBatch(new ParquetColumnBatch(3).Add<int>("a", new[] { 1, 2, 3 }), cts.Token));
        var bytes = ParquetRoundTripTests.Write(schema, w => w.WriteRow([1]));
        using var r = new ParquetFileReader(bytes);
        Assert.ThrowsAny<OperationCanceledException>(() => r.ReadRows(cancellationToken: cts.Token).ToList());
    }

    [Fact]
    public void A_file_without_rows_is_valid()
    {
        var schema = new ParquetSchema(ParquetField.Int32("a"), ParquetField.List("l", ParquetField.String("element")));
        var bytes = ParquetRoundTripTests.Write(schema, _ => { });
        using var r = new ParquetFileReader(bytes);
        Assert.Equal(0, r.RowCount);
        Assert.Equal(0, r.RowGroupCount);
        Assert.Empty(r.ReadRows());
        Assert.Equal(schema.ToString(), r.Schema.ToString());
    }
}
