using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Thrift;

namespace OfflineSafety.Parquet.Tests;

/// <summary>
/// Thrift i16 values (long-form field ids, and i16 fields) beyond the 16-bit range are corrupt
/// metadata: a <see cref="ParquetFormatException"/> with the offset, never an OverflowException
/// (found by the ingest fuzz harness, OFFSAFE_FUZZ_SEED=9 case 5390; fixed in c83ba73).
/// </summary>
public sealed class ThriftI16Tests
{
    // Zigzag varints: 40000 -> 80000 -> 80 F1 04; -40000 -> 79999 -> FF F0 04.
    private static readonly byte[] Plus40000 = [0x80, 0xF1, 0x04];
    private static readonly byte[] Minus40000 = [0xFF, 0xF0, 0x04];

    [Theory]
    [InlineData(new byte[] { 0xFE, 0xFF, 0x03 }, short.MaxValue)]
    [InlineData(new byte[] { 0xFF, 0xFF, 0x03 }, short.MinValue)]
    [InlineData(new byte[] { 0x02 }, 1)]
    public void I16_values_at_the_range_ends_read(byte[] varint, short expected) =>
        Assert.Equal(expected, new ThriftCompactReader(varint).ReadI16());

    [Fact]
    public void An_i16_beyond_the_range_is_a_format_error_with_its_offset()
    {
        foreach (var varint in new[] { Plus40000, Minus40000 })
        {
            var ex = Assert.Throws<ParquetFormatException>(() => new ThriftCompactReader(varint, baseOffset: 100, file: "f.parquet").ReadI16());
            Assert.Equal("Thrift i16 out of range", ex.Reason);
            Assert.Equal("f.parquet", ex.File);
            Assert.Equal(103, ex.Offset);
        }
    }

    [Fact]
    public void A_long_form_field_id_beyond_the_range_fails_the_footer_cleanly()
    {
        // Field header with delta 0 (type i32), so the id follows as an i16 varint.
        byte[] footer = [0x05, .. Plus40000, 0x02, 0x00];
        var reader = new ThriftCompactReader(footer);
        Assert.Throws<ParquetFormatException>(() => reader.NextField(out _, out _));
        var ex = Record.Exception(() => MetadataCodec.ReadFileMetadata(new ThriftCompactReader(footer, file: "f.parquet")));
        Assert.IsType<ParquetFormatException>(ex);
        Assert.Contains("i16 out of range", ex.Message);
    }
}
