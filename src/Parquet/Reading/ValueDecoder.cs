using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Encodings;
using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Parquet.Reading;

/// <summary>Decodes the values section of a data page (or a dictionary page) into typed spans.</summary>
internal static class ValueDecoder
{
    public static void Decode<T>(ParquetColumn column, ParquetEncoding encoding, ReadOnlySpan<byte> src, T[]? dictionary, Span<T> dst)
    {
        if (dst.IsEmpty) return;
        if (encoding is ParquetEncoding.PlainDictionary or ParquetEncoding.RleDictionary)
        {
            if (dictionary is null) throw new ParquetFormatException("dictionary-encoded page without a dictionary page");
            DecodeDictionary(src, dictionary, dst);
            return;
        }
        var physical = column.PhysicalType;
        switch (encoding)
        {
            case ParquetEncoding.Plain:
                DecodePlain(column, src, dst);
                return;
            case ParquetEncoding.Rle when typeof(T) == typeof(bool):
            {
                if (src.Length < 4) throw new ParquetFormatException("RLE boolean data lacks its length");
                int len = BinaryPrimitives.ReadInt32LittleEndian(src);
                if ((uint)len > (uint)(src.Length - 4)) throw new ParquetFormatException($"RLE boolean data of {len} bytes runs past the end");
                RleHybrid.Decode(src.Slice(4, len), 1, SpanCast.As<T, byte>(dst));
                return;
            }
            case ParquetEncoding.DeltaBinaryPacked when typeof(T) == typeof(int):
                DeltaCodec.DecodeInt32(src, SpanCast.As<T, int>(dst), exact: false);
                return;
            case ParquetEncoding.DeltaBinaryPacked when typeof(T) == typeof(long):
                DeltaCodec.DecodeInt64(src, SpanCast.As<T, long>(dst), exact: false);
                return;
            case ParquetEncoding.ByteStreamSplit when typeof(T) == typeof(int) || typeof(T) == typeof(long) || typeof(T) == typeof(float) || typeof(T) == typeof(double):
            {
                int width = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
                var bytes = MemoryMarshal.CreateSpan(ref System.Runtime.CompilerServices.Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(dst)), dst.Length * width);
                ByteStreamSplit.Decode(src, width, dst.Length, bytes);
                return;
            }
            case ParquetEncoding.ByteStreamSplit when typeof(T) == typeof(byte[]) && physical == ParquetPhysicalType.FixedLenByteArray:
            {
                int width = column.Field.TypeLength;
                long total = (long)width * dst.Length;
                if (total > src.Length) throw new ParquetFormatException($"BYTE_STREAM_SPLIT data holds {src.Length} bytes, {dst.Length} values need {total}");
                var flat = new byte[total];
                ByteStreamSplit.Decode(src, width, dst.Length, flat);
                var d = SpanCast.As<T, byte[]>(dst);
                for (int i = 0; i < d.Length; i++) d[i] = flat.AsSpan(i * width, width).ToArray();
                return;
            }
            case ParquetEncoding.DeltaLengthByteArray when typeof(T) == typeof(string) || typeof(T) == typeof(byte[]):
                DecodeByteArrays(src, dst, byPrefix: false);
                return;
            case ParquetEncoding.DeltaByteArray when typeof(T) == typeof(string) || typeof(T) == typeof(byte[]):
                DecodeByteArrays(src, dst, byPrefix: true);
                return;
        }
        throw new ParquetFormatException($"encoding {encoding} cannot hold {physical} values");
    }

    public static void DecodePlain<T>(ParquetColumn column, ReadOnlySpan<byte> src, Span<T> dst)
    {
        if (typeof(T) == typeof(bool)) PlainCodec.DecodeBooleans(src, SpanCast.As<T, bool>(dst));
        else if (typeof(T) == typeof(int)) PlainCodec.DecodeFixed(src, SpanCast.As<T, int>(dst));
        else if (typeof(T) == typeof(long)) PlainCodec.DecodeFixed(src, SpanCast.As<T, long>(dst));
        else if (typeof(T) == typeof(float)) PlainCodec.DecodeFixed(src, SpanCast.As<T, float>(dst));
        else if (typeof(T) == typeof(double)) PlainCodec.DecodeFixed(src, SpanCast.As<T, double>(dst));
        else if (typeof(T) == typeof(string)) PlainCodec.DecodeStrings(src, SpanCast.As<T, string>(dst));
        else if (column.PhysicalType is ParquetPhysicalType.FixedLenByteArray or ParquetPhysicalType.Int96)
            PlainCodec.DecodeFixedLen(src, column.Field.TypeLength, SpanCast.As<T, byte[]>(dst));
        else PlainCodec.DecodeBinary(src, SpanCast.As<T, byte[]>(dst));
    }

    private static void DecodeDictionary<T>(ReadOnlySpan<byte> src, T[] dictionary, Span<T> dst)
    {
        if (src.IsEmpty) throw new ParquetFormatException("dictionary indices lack their bit width");
        int width = src[0];
        if (width > 32) throw new ParquetFormatException($"dictionary index bit width {width}");
        RleHybrid.DecodeDictionary(src[1..], width, dictionary, dst);
    }

    private static void DecodeByteArrays<T>(ReadOnlySpan<byte> src, Span<T> dst, bool byPrefix)
    {
        var results = new T[dst.Length];
        DeltaCodec.ByteArraySink emit = typeof(T) == typeof(string)
            ? (i, bytes) => ((string[])(object)results)[i] = Encoding.UTF8.GetString(bytes)
            : (i, bytes) => ((byte[][])(object)results)[i] = bytes.ToArray();
        if (byPrefix) DeltaCodec.DecodeByteArrays(src, dst.Length, emit);
        else DeltaCodec.DecodeLengthByteArrays(src, dst.Length, emit);
        results.CopyTo(dst);
    }

    /// <summary>Decodes a PLAIN dictionary page; the entry count is bounded by the page's bytes.</summary>
    public static T[] DecodeDictionaryPage<T>(ParquetColumn column, ReadOnlySpan<byte> src, int count)
    {
        long minBytes = column.PhysicalType switch
        {
            ParquetPhysicalType.Boolean => (count + 7L) / 8,
            ParquetPhysicalType.Int32 or ParquetPhysicalType.Float => 4L * count,
            ParquetPhysicalType.Int64 or ParquetPhysicalType.Double => 8L * count,
            ParquetPhysicalType.ByteArray => 4L * count,
            _ => (long)column.Field.TypeLength * count,
        };
        if (count < 0 || minBytes > src.Length) throw new ParquetFormatException($"dictionary page of {src.Length} bytes cannot hold {count} entries");
        var values = new T[count];
        DecodePlain(column, src, values.AsSpan());
        return values;
    }
}
