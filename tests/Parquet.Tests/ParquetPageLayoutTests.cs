using System.Buffers.Binary;
using OfflineSafety.Parquet.Encodings;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Thrift;

namespace OfflineSafety.Parquet.Tests;

/// <summary>Files laid out in ways our writer never produces but other writers may.</summary>
public class ParquetPageLayoutTests
{
    [Fact]
    public void A_row_continued_on_the_next_v1_page_is_assembled_whole()
    {
        // Hand-built chunk: page 1 holds [1,2,3 of row 0], page 2 holds [4 of row 0] and row 1 = [5].
        var schema = new ParquetSchema(ParquetField.List("l", ParquetField.Int32("element")));
        using var file = new PooledBuffer();
        file.Write("PAR1"u8);
        long chunkStart = file.Length;
        WriteV1Page(file, [0, 1, 1], [1, 2, 3]);
        WriteV1Page(file, [1, 0], [4, 5]);
        var column = schema.Columns[0];
        var meta = new ParquetFileMetadata
        {
            NumRows = 2,
            Schema = SchemaCodec.ToElements(schema),
            RowGroups =
            [
                new ParquetRowGroupMetadata
                {
                    NumRows = 2, TotalByteSize = file.Length - chunkStart,
                    Columns = [new ParquetColumnChunkMetadata
                    {
                        PhysicalType = ParquetPhysicalType.Int32, PathInSchema = column.Path.ToArray(), Codec = ParquetCompression.Uncompressed,
                        Encodings = [ParquetEncoding.Plain, ParquetEncoding.Rle], NumValues = 5, DataPageOffset = chunkStart,
                        TotalCompressedSize = file.Length - chunkStart, TotalUncompressedSize = file.Length - chunkStart,
                    }],
                },
            ],
        };
        int footerStart = file.Length;
        MetadataCodec.WriteFileMetadata(new ThriftCompactWriter(file), meta);
        var tail = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, file.Length - footerStart);
        "PAR1"u8.CopyTo(tail.AsSpan(4));
        file.Write(tail);

        using var r = new ParquetFileReader(file.WrittenSpan.ToArray());
        var list = r.ReadList<int>(0, "l");
        Assert.Equal(new[] { 0, 4, 5 }, list.Offsets);
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, list.Values);
        var rows = r.ReadRows().ToList();
        Assert.True(RowValues.DeepEqual(new List<object?> { 1, 2, 3, 4 }, rows[0][0]));
        Assert.True(RowValues.DeepEqual(new List<object?> { 5 }, rows[1][0]));
    }

    private static void WriteV1Page(PooledBuffer file, short[] rep, int[] values)
    {
        using var body = new PooledBuffer();
        foreach (var levels in new[] { rep, Enumerable.Repeat((short)1, rep.Length).ToArray() })
        {
            using var rle = new PooledBuffer();
            RleHybrid.Encode((ReadOnlySpan<short>)levels, 1, rle);
            var len = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(len, rle.Length);
            body.Write(len);
            body.Write(rle.WrittenSpan);
        }
        foreach (var v in values)
        {
            var b = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, v);
            body.Write(b);
        }
        var header = new PageHeader
        {
            Type = PageType.DataPage, UncompressedPageSize = body.Length, CompressedPageSize = body.Length,
            DataPage = new DataPageHeader { NumValues = rep.Length, Encoding = ParquetEncoding.Plain },
        };
        MetadataCodec.WritePageHeader(new ThriftCompactWriter(file), header);
        file.Write(body.WrittenSpan);
    }
}
