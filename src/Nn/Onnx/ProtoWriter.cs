using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OfflineSafety.Nn.Onnx;

/// <summary>
/// The part of the Protocol Buffers wire format that an ONNX file needs: varints (wire type 0),
/// 32-bit fixed values (5) and length-delimited fields (2) for strings, bytes, packed lists and
/// nested messages. A nested message is written to its own writer first and then copied in with its
/// length, which costs one copy per nesting level: ONNX nests four deep, and a critic's weights are a
/// few hundred kilobytes.
/// </summary>
internal sealed class ProtoWriter
{
    private const int VarintType = 0, Fixed32Type = 5, LengthDelimitedType = 2;
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    /// <summary>int32, int64, enum and bool fields. A negative value takes ten bytes, as protobuf's
    /// int64 encoding requires (its two's complement as an unsigned 64-bit varint).</summary>
    public void Int64(int field, long value)
    {
        Tag(field, VarintType);
        Varint((ulong)value);
    }

    public void Float(int field, float value)
    {
        Tag(field, Fixed32Type);
        BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimitedType);
        Varint((ulong)value.Length);
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Message(int field, ProtoWriter message) => Bytes(field, message.Written);

    /// <summary>A packed repeated int64 field: one length-delimited run of varints.</summary>
    public void PackedInt64(int field, IReadOnlyList<long> values)
    {
        var packed = new ProtoWriter();
        foreach (long v in values) packed.Varint((ulong)v);
        Bytes(field, packed.Written);
    }

    /// <summary>A packed repeated float field: one length-delimited run of little-endian floats.</summary>
    public void PackedFloat(int field, IReadOnlyList<float> values)
    {
        var bytes = new byte[4 * values.Count];
        for (int i = 0; i < values.Count; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        Bytes(field, bytes);
    }

    private void Tag(int field, int wireType)
    {
        if (field <= 0) throw new ArgumentOutOfRangeException(nameof(field), field, "protobuf field numbers start at 1");
        Varint(((ulong)field << 3) | (uint)wireType);
    }

    private void Varint(ulong value)
    {
        var span = _buffer.GetSpan(10);
        int n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        _buffer.Advance(n);
    }
}
