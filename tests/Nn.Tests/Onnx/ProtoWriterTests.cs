using OfflineSafety.Nn.Onnx;

namespace OfflineSafety.Nn.Tests.Onnx;

/// <summary>The wire format against the byte sequences the Protocol Buffers encoding guide spells out.</summary>
public sealed class ProtoWriterTests
{
    [Fact]
    public void Varint_field_is_tag_then_base128_groups_low_first()
    {
        var w = new ProtoWriter();
        w.Int64(1, 150);
        Assert.Equal(new byte[] { 0x08, 0x96, 0x01 }, w.Written.ToArray());
    }

    [Fact]
    public void Negative_int64_takes_ten_bytes()
    {
        var w = new ProtoWriter();
        w.Int64(1, -1);
        Assert.Equal(new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, w.Written.ToArray());
    }

    [Fact]
    public void String_and_nested_message_are_length_delimited()
    {
        var w = new ProtoWriter();
        w.String(2, "testing");
        Assert.Equal(new byte[] { 0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67 }, w.Written.ToArray());

        var inner = new ProtoWriter();
        inner.Int64(1, 150);
        var outer = new ProtoWriter();
        outer.Message(3, inner);
        Assert.Equal(new byte[] { 0x1a, 0x03, 0x08, 0x96, 0x01 }, outer.Written.ToArray());
    }

    [Fact]
    public void Float_is_fixed32_little_endian_and_packed_ints_share_one_length()
    {
        var w = new ProtoWriter();
        w.Float(2, 1f);
        Assert.Equal(new byte[] { 0x15, 0x00, 0x00, 0x80, 0x3f }, w.Written.ToArray());

        var packed = new ProtoWriter();
        packed.PackedInt64(4, [3, 270, 86942]);
        Assert.Equal(new byte[] { 0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05 }, packed.Written.ToArray());
    }

    [Fact]
    public void Tensor_needs_as_many_values_as_its_shape()
    {
        Assert.Throws<ArgumentException>(() => new OnnxTensor("w", [2, 3], new float[5]));
        Assert.Equal(6, new OnnxTensor("w", [2, 3], new float[6]).Data.Length);
    }
}
