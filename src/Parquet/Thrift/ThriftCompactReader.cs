using System.Buffers.Binary;
using System.Text;
using OfflineSafety.Parquet;

namespace OfflineSafety.Parquet.Thrift;

/// <summary>Compact-protocol wire types (the low nibble of a field header).</summary>
internal enum ThriftType : byte
{
    Stop = 0,
    BoolTrue = 1,
    BoolFalse = 2,
    Byte = 3,
    I16 = 4,
    I32 = 5,
    I64 = 6,
    Double = 7,
    Binary = 8,
    List = 9,
    Set = 10,
    Map = 11,
    Struct = 12,
}

/// <summary>
/// Reads the Thrift compact protocol from a byte span. Every length is checked against the bytes
/// left, nesting is bounded, and unknown fields are skipped, so corrupt metadata fails with a
/// <see cref="ParquetFormatException"/> naming the byte offset instead of hanging or over-allocating.
/// </summary>
internal sealed class ThriftCompactReader
{
    internal const int MaxDepth = 32;

    private readonly ReadOnlyMemory<byte> _data;
    private readonly long _baseOffset;
    private readonly string? _file;
    private readonly Stack<short> _lastFieldIds = new();
    private short _lastFieldId;
    private bool? _pendingBool;

    public ThriftCompactReader(ReadOnlyMemory<byte> data, long baseOffset = 0, string? file = null)
    {
        _data = data;
        _baseOffset = baseOffset;
        _file = file;
    }

    public int Position { get; private set; }
    public int Remaining => _data.Length - Position;

    public ParquetFormatException Error(string reason) => new(reason, _file, _baseOffset + Position);

    public void BeginStruct()
    {
        if (_lastFieldIds.Count >= MaxDepth) throw Error($"Thrift structs nested deeper than {MaxDepth}");
        _lastFieldIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    public void EndStruct() => _lastFieldId = _lastFieldIds.Pop();

    /// <summary>Reads the next field header; returns false at the struct's stop byte.</summary>
    public bool NextField(out short id, out ThriftType type)
    {
        byte header = ReadByte();
        type = (ThriftType)(header & 0x0F);
        if (type == ThriftType.Stop)
        {
            id = 0;
            return false;
        }
        if (type > ThriftType.Struct) throw Error($"unknown Thrift field type {(int)type}");
        int delta = header >> 4;
        id = delta != 0 ? (short)(_lastFieldId + delta) : ReadI16();
        _lastFieldId = id;
        _pendingBool = type switch { ThriftType.BoolTrue => true, ThriftType.BoolFalse => false, _ => null };
        return true;
    }

    public bool ReadBool(ThriftType type)
    {
        if (_pendingBool is { } b && (type == ThriftType.BoolTrue || type == ThriftType.BoolFalse))
        {
            _pendingBool = null;
            return b;
        }
        // Inside a list booleans are whole bytes.
        return ReadByte() == 1;
    }

    public byte ReadByte()
    {
        if (Position >= _data.Length) throw Error("Thrift data ends early");
        return _data.Span[Position++];
    }

    public short ReadI16()
    {
        long v = ZigZag(ReadVarint(3));
        if (v is < short.MinValue or > short.MaxValue) throw Error("Thrift i16 out of range");
        return (short)v;
    }

    public int ReadI32()
    {
        long v = ZigZag(ReadVarint(5));
        if (v is < int.MinValue or > int.MaxValue) throw Error("Thrift i32 out of range");
        return (int)v;
    }

    public long ReadI64() => ZigZag(ReadVarint(10));

    public double ReadDouble()
    {
        if (Remaining < 8) throw Error("Thrift data ends early");
        double v = BinaryPrimitives.ReadDoubleLittleEndian(_data.Span.Slice(Position, 8));
        Position += 8;
        return v;
    }

    public ReadOnlySpan<byte> ReadBinarySpan()
    {
        ulong length = ReadVarint(5);
        if (length > (ulong)Remaining) throw Error($"Thrift binary of {length} bytes runs past the end ({Remaining} left)");
        var span = _data.Span.Slice(Position, (int)length);
        Position += (int)length;
        return span;
    }

    public byte[] ReadBinary() => ReadBinarySpan().ToArray();

    public string ReadString()
    {
        var bytes = ReadBinarySpan();
        try
        {
            return Encoding.UTF8.GetString(bytes);
        }
        catch (ArgumentException e)
        {
            throw new ParquetFormatException("invalid UTF-8 in Thrift string", _file, _baseOffset + Position, inner: e);
        }
    }

    /// <summary>Reads a list header; the count is bounded by the bytes left (each element takes at least one byte).</summary>
    public int ReadListHeader(out ThriftType elementType)
    {
        byte header = ReadByte();
        elementType = (ThriftType)(header & 0x0F);
        ulong count = (ulong)(header >> 4);
        if (count == 15) count = ReadVarint(5);
        if (count > (ulong)Remaining) throw Error($"Thrift list of {count} elements cannot fit in {Remaining} bytes");
        if (elementType is ThriftType.Stop or > ThriftType.Struct) throw Error($"unknown Thrift list element type {(int)elementType}");
        return (int)count;
    }

    public void Skip(ThriftType type, int depth = 0)
    {
        if (depth > MaxDepth) throw Error($"Thrift values nested deeper than {MaxDepth}");
        switch (type)
        {
            case ThriftType.BoolTrue:
            case ThriftType.BoolFalse:
                if (_pendingBool is not null) _pendingBool = null;
                else ReadByte();
                break;
            case ThriftType.Byte: ReadByte(); break;
            case ThriftType.I16:
            case ThriftType.I32:
            case ThriftType.I64: ReadVarint(10); break;
            case ThriftType.Double: ReadDouble(); break;
            case ThriftType.Binary: ReadBinarySpan(); break;
            case ThriftType.List:
            case ThriftType.Set:
            {
                int n = ReadListHeader(out var et);
                for (int i = 0; i < n; i++) SkipElement(et, depth + 1);
                break;
            }
            case ThriftType.Map:
            {
                ulong n = ReadVarint(5);
                if (n == 0) break;
                if (n > (ulong)Remaining) throw Error($"Thrift map of {n} entries cannot fit in {Remaining} bytes");
                byte kv = ReadByte();
                var kt = (ThriftType)(kv >> 4);
                var vt = (ThriftType)(kv & 0x0F);
                for (ulong i = 0; i < n; i++)
                {
                    SkipElement(kt, depth + 1);
                    SkipElement(vt, depth + 1);
                }
                break;
            }
            case ThriftType.Struct:
                BeginStruct();
                while (NextField(out _, out var ft)) Skip(ft, depth + 1);
                EndStruct();
                break;
            default:
                throw Error($"unknown Thrift type {(int)type}");
        }
    }

    private void SkipElement(ThriftType type, int depth)
    {
        if (type is ThriftType.BoolTrue or ThriftType.BoolFalse) ReadByte();
        else Skip(type, depth);
    }

    private ulong ReadVarint(int maxBytes)
    {
        ulong result = 0;
        var span = _data.Span;
        for (int i = 0; i < maxBytes; i++)
        {
            if (Position >= span.Length) throw Error("Thrift varint ends early");
            byte b = span[Position++];
            result |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) return result;
        }
        throw Error("Thrift varint too long");
    }

    private static long ZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);
}
