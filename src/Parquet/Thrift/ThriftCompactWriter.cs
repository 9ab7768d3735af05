using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OfflineSafety.Parquet.Thrift;

/// <summary>Writes the Thrift compact protocol into a buffer writer.</summary>
internal sealed class ThriftCompactWriter
{
    private readonly IBufferWriter<byte> _out;
    private readonly Stack<short> _lastFieldIds = new();
    private short _lastFieldId;

    public ThriftCompactWriter(IBufferWriter<byte> output) => _out = output;

    public void BeginStruct()
    {
        _lastFieldIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    public void EndStruct()
    {
        WriteByte(0);
        _lastFieldId = _lastFieldIds.Pop();
    }

    public void FieldHeader(short id, ThriftType type)
    {
        int delta = id - _lastFieldId;
        if (delta is > 0 and <= 15) WriteByte((byte)((delta << 4) | (byte)type));
        else
        {
            WriteByte((byte)type);
            WriteVarint(ZigZag(id));
        }
        _lastFieldId = id;
    }

    public void Bool(short id, bool value) => FieldHeader(id, value ? ThriftType.BoolTrue : ThriftType.BoolFalse);

    public void I32(short id, int value)
    {
        FieldHeader(id, ThriftType.I32);
        WriteVarint(ZigZag(value));
    }

    public void I64(short id, long value)
    {
        FieldHeader(id, ThriftType.I64);
        WriteVarint(ZigZag(value));
    }

    public void I8(short id, sbyte value)
    {
        FieldHeader(id, ThriftType.Byte);
        WriteByte((byte)value);
    }

    public void Binary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, ThriftType.Binary);
        WriteBinaryValue(value);
    }

    public void String(short id, string value)
    {
        FieldHeader(id, ThriftType.Binary);
        WriteStringValue(value);
    }

    public void BeginStructField(short id)
    {
        FieldHeader(id, ThriftType.Struct);
        BeginStruct();
    }

    public void ListField(short id, ThriftType elementType, int count)
    {
        FieldHeader(id, ThriftType.List);
        ListHeader(elementType, count);
    }

    public void ListHeader(ThriftType elementType, int count)
    {
        if (count < 15) WriteByte((byte)((count << 4) | (byte)elementType));
        else
        {
            WriteByte((byte)(0xF0 | (byte)elementType));
            WriteVarint((ulong)count);
        }
    }

    public void I32Value(int value) => WriteVarint(ZigZag(value));

    public void WriteStringValue(string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var bytes = max <= 512 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(value, bytes);
        WriteBinaryValue(bytes[..n]);
    }

    public void WriteBinaryValue(ReadOnlySpan<byte> value)
    {
        WriteVarint((ulong)value.Length);
        var span = _out.GetSpan(value.Length);
        value.CopyTo(span);
        _out.Advance(value.Length);
    }

    public void WriteByte(byte b)
    {
        _out.GetSpan(1)[0] = b;
        _out.Advance(1);
    }

    public void WriteDouble(double v)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_out.GetSpan(8), v);
        _out.Advance(8);
    }

    private void WriteVarint(ulong v)
    {
        var span = _out.GetSpan(10);
        int i = 0;
        while (v >= 0x80)
        {
            span[i++] = (byte)(v | 0x80);
            v >>= 7;
        }
        span[i++] = (byte)v;
        _out.Advance(i);
    }

    private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));
}
