using System.Buffers.Binary;
using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Encodings;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Thrift;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Parquet.Tests;

public class ParquetMalformedTests
{
    private static byte[] SmallFile(ParquetCompression codec = ParquetCompression.Uncompressed, bool dictionary = true)
    {
        var schema = new ParquetSchema(ParquetField.String("s"), ParquetField.Int32("o", optional: true));
        var s = Enumerable.Range(0, 100).Select(i => "v" + (i % 2)).ToArray();
        var o = Enumerable.Range(0, 100).ToArray();
        return ParquetRoundTripTests.Write(schema, w => w.WriteBatch(new ParquetColumnBatch(100).Add<string>("s", s).Add<int>("o", o, Enumerable.Repeat(true, 100).ToArray())),
            // No page checksums: these tests damage pages by hand to reach the decoders' own checks,
            // as a file from a writer that omits the optional CRC would.
            new ParquetWriteOptions { Compression = codec, EnableDictionary = dictionary, PageChecksums = false });
    }

    private static ParquetFormatException ReadAllExpectingError(byte[] bytes)
    {
        return Assert.Throws<ParquetFormatException>(() =>
        {
            using var r = new ParquetFileReader(bytes, "bad.parquet");
            for (int g = 0; g < r.RowGroupCount; g++)
                foreach (var c in r.Schema.Columns) r.ReadColumn(g, c);
        });
    }

    /// <summary>Re-serialises the footer after <paramref name="change"/>.</summary>
    private static byte[] WithFooter(byte[] file, Action<ParquetFileMetadata> change)
    {
        int footerLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8));
        int footerStart = file.Length - 8 - footerLength;
        var meta = MetadataCodec.ReadFileMetadata(new ThriftCompactReader(file.AsMemory(footerStart, footerLength)));
        change(meta);
        using var buffer = new PooledBuffer();
        MetadataCodec.WriteFileMetadata(new ThriftCompactWriter(buffer), meta);
        var tail = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, buffer.Length);
        "PAR1"u8.CopyTo(tail.AsSpan(4));
        return [.. file.AsSpan(0, footerStart), .. buffer.WrittenSpan, .. tail];
    }

    private static (PageHeader Header, int HeaderLength) PageAt(byte[] file, long offset)
    {
        var reader = new ThriftCompactReader(file.AsMemory((int)offset));
        var header = MetadataCodec.ReadPageHeader(reader);
        return (header, reader.Position);
    }

    [Fact]
    public void Short_files_and_bad_magic_name_the_file()
    {
        var e = Assert.Throws<ParquetFormatException>(() => new ParquetFileReader(new byte[5], "tiny.parquet"));
        Assert.Contains("tiny.parquet", e.Message);
        var file = SmallFile();
        var badStart = (byte[])file.Clone();
        badStart[0] = (byte)'X';
        Assert.Contains("offset 0", Assert.Throws<ParquetFormatException>(() => new ParquetFileReader(badStart, "x")).Message);
        Assert.Throws<ParquetFormatException>(() => new ParquetFileReader(file.AsMemory(0, file.Length - 1), "truncated"));
        var hugeFooter = (byte[])file.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(hugeFooter.AsSpan(file.Length - 8), int.MaxValue);
        Assert.Contains("footer length", Assert.Throws<ParquetFormatException>(() => new ParquetFileReader(hugeFooter, "x")).Message);
        Assert.IsAssignableFrom<IOException>(e);
    }

    [Fact]
    public void Dictionary_index_out_of_range_is_reported_with_column_and_offset()
    {
        var file = SmallFile();
        using var ok = new ParquetFileReader(file);
        var chunk = ok.Metadata.RowGroups[0].Columns[0];
        long dictOffset = chunk.DictionaryPageOffset!.Value;
        var (header, length) = PageAt(file, dictOffset);
        Assert.Equal(2, header.DictionaryPage!.NumValues);
        header.DictionaryPage.NumValues = 1;   // same varint length, one entry fewer than the indices use
        using var buffer = new PooledBuffer();
        MetadataCodec.WritePageHeader(new ThriftCompactWriter(buffer), header);
        Assert.Equal(length, buffer.Length);
        buffer.WrittenSpan.CopyTo(file.AsSpan((int)dictOffset));
        var e = ReadAllExpectingError(file);
        Assert.Contains("dictionary index 1 out of range", e.Message);
        Assert.Contains("column s", e.Message);
        Assert.Contains("bad.parquet", e.Message);
        Assert.NotNull(e.Offset);
    }

    [Fact]
    public void Bad_bit_widths_and_levels_above_the_maximum_are_rejected()
    {
        var file = SmallFile();
        using var ok = new ParquetFileReader(file);
        // The string column's data page is a v1 page with no levels: values start with the index bit width.
        var s = ok.Metadata.RowGroups[0].Columns[0];
        var (_, headerLength) = PageAt(file, s.DataPageOffset);
        var badWidth = (byte[])file.Clone();
        badWidth[s.DataPageOffset + headerLength] = 40;
        Assert.Contains("bit width 40", ReadAllExpectingError(badWidth).Message);
        // The optional column's definition levels: 4-byte length, run header (200 = 0xC8 0x01), value 1.
        var o = ok.Metadata.RowGroups[0].Columns[1];
        var (oHeader, oLength) = PageAt(file, o.DataPageOffset);
        Assert.Equal(PageType.DataPage, oHeader.Type);
        var badLevel = (byte[])file.Clone();
        long at = o.DataPageOffset + oLength + 4;
        Assert.Equal(new byte[] { 0xC8, 0x01, 0x01 }, badLevel.AsSpan((int)at, 3).ToArray());
        badLevel[at + 2] = 0x03;
        Assert.Contains("level above", ReadAllExpectingError(badLevel).Message);
    }

    [Fact]
    public void Chunk_ranges_past_the_data_and_value_count_mismatches_are_rejected()
    {
        var file = SmallFile();
        var pastEnd = WithFooter(file, m => ((ParquetColumnChunkMetadata)m.RowGroups[0].Columns[0]).TotalCompressedSize = 1 << 30);
        Assert.Contains("outside the data region", ReadAllExpectingError(pastEnd).Message);
        var tooMany = WithFooter(file, m => ((ParquetColumnChunkMetadata)m.RowGroups[0].Columns[1]).NumValues = 5000);
        Assert.Contains("row group has 100 rows", ReadAllExpectingError(tooMany).Message);
        var rowsDisagree = WithFooter(file, m => m.NumRows = 7);
        Assert.Throws<ParquetFormatException>(() => new ParquetFileReader(rowsDisagree));
    }

    [Theory]
    [InlineData(ParquetCompression.Lzo)]
    [InlineData(ParquetCompression.Lz4)]
    public void Unsupported_codecs_name_file_column_and_codec(ParquetCompression codec)
    {
        var file = WithFooter(SmallFile(), m => ((ParquetColumnChunkMetadata)m.RowGroups[0].Columns[1]).Codec = codec);
        using var r = new ParquetFileReader(file, "z.parquet");
        Assert.Equal(100, r.ReadValues<string>(0, "s").Length);
        var e = Assert.Throws<ParquetNotSupportedException>(() => r.ReadValues<int>(0, "o", out _));
        Assert.Contains("z.parquet", e.Message);
        Assert.Contains("column o", e.Message);
        Assert.Contains(codec.ToString().ToUpperInvariant(), e.Message);
        Assert.Throws<NotSupportedException>(() => new ParquetFileWriter(new MemoryStream(), new ParquetSchema(ParquetField.Int32("x")), new ParquetWriteOptions { Compression = codec }));
    }
}
