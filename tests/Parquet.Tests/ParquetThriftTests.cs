using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Encodings;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Thrift;

namespace OfflineSafety.Parquet.Tests;

public class ParquetThriftTests
{
    [Fact]
    public void File_metadata_round_trips_through_the_compact_protocol()
    {
        var schema = new ParquetSchema(ParquetField.Int64("id"), ParquetField.List("v", ParquetField.Float("element"), optional: true),
            ParquetField.Timestamp("t", ParquetTimeUnit.Nanos, isAdjustedToUtc: false));
        var meta = new ParquetFileMetadata
        {
            Version = 2,
            NumRows = 1234567890123,
            CreatedBy = "test ✓",
            Schema = SchemaCodec.ToElements(schema),
            KeyValueMetadata = [new("k", "v"), new("empty", null)],
            ColumnOrderCount = 3,
            RowGroups =
            [
                new ParquetRowGroupMetadata
                {
                    NumRows = 10, TotalByteSize = 999, FileOffset = 4, TotalCompressedSize = 500, Ordinal = 0,
                    Columns = schema.Columns.Select(c => new ParquetColumnChunkMetadata
                    {
                        FileOffset = 4 + c.Index, PhysicalType = c.PhysicalType, Encodings = [ParquetEncoding.Plain, ParquetEncoding.RleDictionary],
                        PathInSchema = c.Path.ToArray(), Codec = ParquetCompression.Snappy, NumValues = 10 + c.Index,
                        TotalUncompressedSize = 100, TotalCompressedSize = 50, DataPageOffset = 40, DictionaryPageOffset = 4,
                        Statistics = new ParquetEncodedStatistics { MinValue = [1, 2], MaxValue = [3], NullCount = 7, IsMaxValueExact = true },
                    }).ToArray(),
                },
            ],
        };
        using var buffer = new PooledBuffer();
        MetadataCodec.WriteFileMetadata(new ThriftCompactWriter(buffer), meta);
        var back = MetadataCodec.ReadFileMetadata(new ThriftCompactReader(buffer.WrittenMemory.ToArray()));
        Assert.Equal(2, back.Version);
        Assert.Equal(meta.NumRows, back.NumRows);
        Assert.Equal("test ✓", back.CreatedBy);
        Assert.Equal(meta.KeyValueMetadata, back.KeyValueMetadata);
        Assert.True(back.HasTypeDefinedColumnOrders);
        var schemaBack = SchemaCodec.ToSchema(back.Schema, null);
        Assert.Equal(schema.ToString(), schemaBack.ToString());
        Assert.Equal(ParquetLogicalType.Timestamp(ParquetTimeUnit.Nanos, false), schemaBack.Column("t").LogicalType);
        var c = back.RowGroups[0].Columns[1];
        Assert.Equal(["v", "list", "element"], c.PathInSchema);
        Assert.Equal([ParquetEncoding.Plain, ParquetEncoding.RleDictionary], c.Encodings);
        Assert.Equal(11, c.NumValues);
        Assert.Equal(4L, c.DictionaryPageOffset);
        Assert.Equal(new byte[] { 1, 2 }, c.Statistics!.MinValue);
        Assert.Equal(7L, c.Statistics.NullCount);
        Assert.True(c.Statistics.IsMaxValueExact);
        Assert.Null(c.Statistics.IsMinValueExact);
        Assert.Equal((short)0, back.RowGroups[0].Ordinal);
    }

    [Fact]
    public void Page_header_round_trips_and_unknown_fields_are_skipped()
    {
        var header = new PageHeader
        {
            Type = PageType.DataPageV2, UncompressedPageSize = 100, CompressedPageSize = 80, Crc = -5,
            DataPageV2 = new DataPageHeaderV2 { NumValues = 9, NumNulls = 2, NumRows = 3, Encoding = ParquetEncoding.RleDictionary, DefinitionLevelsByteLength = 4, RepetitionLevelsByteLength = 5, IsCompressed = false },
        };
        using var buffer = new PooledBuffer();
        var w = new ThriftCompactWriter(buffer);
        MetadataCodec.WritePageHeader(w, header);
        // Splice unknown fields (id 20: a list of structs, id 21: a nested struct) before the stop byte.
        var bytes = buffer.WrittenSpan[..^1].ToArray().ToList();
        using var extra = new PooledBuffer();
        var x = new ThriftCompactWriter(extra);
        x.BeginStruct();
        x.ListField(20, ThriftType.Struct, 2);
        for (int i = 0; i < 2; i++) { x.BeginStruct(); x.I32(1, i); x.String(2, "skip me"); x.EndStruct(); }
        x.BeginStructField(21);
        x.BeginStructField(1);
        x.I64(3, long.MaxValue);
        x.EndStruct();
        x.EndStruct();
        x.EndStruct();
        // Field 20 is more than 15 ids past 8, so its header is long-form and valid after any field;
        // the closing stop byte of the spliced struct ends the page header.
        bytes.AddRange(extra.WrittenSpan.ToArray());
        var back = MetadataCodec.ReadPageHeader(new ThriftCompactReader(bytes.ToArray()));
        Assert.Equal(PageType.DataPageV2, back.Type);
        Assert.Equal(-5, back.Crc);
        Assert.Equal(80, back.CompressedPageSize);
        Assert.False(back.DataPageV2!.IsCompressed);
        Assert.Equal(3, back.DataPageV2.NumRows);
        Assert.Equal(5, back.DataPageV2.RepetitionLevelsByteLength);
    }

    [Fact]
    public void Lengths_past_the_end_and_deep_nesting_are_rejected()
    {
        // binary field claiming 100 bytes with 2 present
        byte[] binary = [0x18, 100, 1, 2];
        var e = Assert.Throws<ParquetFormatException>(() => new ThriftCompactReader(binary, 1000, "f.parquet").Skip(ThriftType.Struct));
        Assert.Contains("f.parquet", e.Message);
        Assert.Contains("offset 10", e.Message);
        // list header claiming 200 elements in 3 bytes
        byte[] list = [0x19, 0xF5, 200, 1, 0, 0];
        Assert.Throws<ParquetFormatException>(() => new ThriftCompactReader(list).Skip(ThriftType.Struct));
        // 100 nested structs
        var nested = Enumerable.Repeat((byte)0x1C, 100).Concat(Enumerable.Repeat((byte)0, 101)).ToArray();
        Assert.Throws<ParquetFormatException>(() => new ThriftCompactReader(nested).Skip(ThriftType.Struct));
        // varint that never ends
        var varint = new byte[] { 0x15 }.Concat(Enumerable.Repeat((byte)0xFF, 20)).ToArray();
        Assert.Throws<ParquetFormatException>(() => new ThriftCompactReader(varint).Skip(ThriftType.Struct));
    }
}
