using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Compression;
using OfflineSafety.Parquet.Encodings;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Thrift;

namespace OfflineSafety.Parquet.Reading;

/// <summary>
/// Receives one column chunk page by page: the page's levels, then a place to decode its
/// non-null values into. Implementations build flat arrays, list offsets, or full level arrays.
/// </summary>
internal abstract class PageSink<T>
{
    /// <summary>Where the page's <paramref name="nonNull"/> values go.</summary>
    public abstract Span<T> OnPage(ReadOnlySpan<short> rep, ReadOnlySpan<short> def, int nonNull);

    /// <summary>Called after the values of the page were decoded into the span from <see cref="OnPage"/>.</summary>
    public virtual void AfterValues(ReadOnlySpan<short> rep, ReadOnlySpan<short> def, int nonNull) { }
}

/// <summary>
/// Reads one column chunk: pages are parsed, decompressed into pooled buffers and decoded, with
/// every size checked against the bytes present. Errors name the file, byte offset and column.
/// </summary>
internal sealed class ColumnChunkReader<T>
{
    private readonly IParquetSource _source;
    private readonly ParquetColumnChunkMetadata _meta;
    private readonly ParquetColumn _column;
    private readonly string? _file;
    private readonly long _rowGroupRows;
    private readonly long _dataEnd;
    private long _pageOffset;

    public ColumnChunkReader(IParquetSource source, ParquetColumnChunkMetadata meta, ParquetColumn column, string? file, long rowGroupRows, long dataEnd)
    {
        _source = source;
        _meta = meta;
        _column = column;
        _file = file;
        _rowGroupRows = rowGroupRows;
        _dataEnd = dataEnd;
    }

    /// <summary>Upper bound for the first allocation of a whole-chunk array; arrays grow past it only as pages actually deliver values.</summary>
    public int InitialCapacity => (int)Math.Min(_meta.NumValues, Math.Min(_meta.TotalUncompressedSize * 8 + 4096, Array.MaxLength));

    public long NumValues => _meta.NumValues;

    private ParquetFormatException Error(string reason, Exception? inner = null) => new(reason, _file, _pageOffset, _column.DottedPath, inner);

    public void Read(PageSink<T> sink, CancellationToken ct)
    {
        if (!PageCompression.CanRead(_meta.Codec))
            throw new ParquetNotSupportedException($"{_file ?? "Parquet data"}: column {_column.DottedPath} uses compression codec {_meta.Codec.ToString().ToUpperInvariant()}, which this reader does not support (SNAPPY, ZSTD, LZ4_RAW, GZIP, BROTLI and UNCOMPRESSED are)");
        long start = _meta.StartOffset;
        long length = _meta.TotalCompressedSize;
        _pageOffset = start;
        if (start < 4 || length < 0 || start > _dataEnd || length > _dataEnd - start)
            throw Error($"column chunk [{start}, +{length}) lies outside the data region ending at {_dataEnd}");
        if (_column.MaxRepetitionLevel == 0 && _meta.NumValues != _rowGroupRows)
            throw Error($"column chunk holds {_meta.NumValues} values but the row group has {_rowGroupRows} rows");
        if (_meta.NumValues > int.MaxValue) throw Error($"column chunk claims {_meta.NumValues} values");
        var chunk = ArrayPool<byte>.Shared.Rent((int)Math.Max(length, 1));
        byte[]? page = null;
        short[]? rep = null, def = null;
        try
        {
            _source.Read(start, chunk.AsSpan(0, (int)length));
            var data = chunk.AsMemory(0, (int)length);
            int pos = 0;
            long levelsRead = 0;
            T[]? dictionary = null;
            bool sawData = false;
            while (levelsRead < _meta.NumValues)
            {
                ct.ThrowIfCancellationRequested();
                _pageOffset = start + pos;
                if (pos >= data.Length) throw Error($"column chunk ends after {levelsRead} of {_meta.NumValues} values");
                var thrift = new ThriftCompactReader(data[pos..], start + pos, _file);
                var header = MetadataCodec.ReadPageHeader(thrift);
                pos += thrift.Position;
                if (header.CompressedPageSize > data.Length - pos)
                    throw Error($"page of {header.CompressedPageSize} bytes runs past the end of the column chunk ({data.Length - pos} left)");
                var payload = data.Span.Slice(pos, header.CompressedPageSize);
                pos += header.CompressedPageSize;
                if (header.Crc is int crc && unchecked((int)Crc32.HashToUInt32(payload)) != crc)
                    throw Error($"page checksum mismatch (CRC-32 {unchecked((uint)crc):x8} in the header, {Crc32.HashToUInt32(payload):x8} over the page's {payload.Length} bytes): the file is damaged");
                try
                {
                    switch (header.Type)
                    {
                        case PageType.DictionaryPage:
                        {
                            if (dictionary is not null || sawData) throw Error("dictionary page after data or a second dictionary page");
                            var d = header.DictionaryPage ?? throw Error("dictionary page without its header");
                            if (d.Encoding is not (ParquetEncoding.Plain or ParquetEncoding.PlainDictionary))
                                throw Error($"dictionary page encoding {d.Encoding}");
                            var body = Decompress(payload, header.UncompressedPageSize, ref page);
                            dictionary = ValueDecoder.DecodeDictionaryPage<T>(_column, body, d.NumValues);
                            break;
                        }
                        case PageType.DataPage:
                        {
                            sawData = true;
                            var d = header.DataPage ?? throw Error("data page without its header");
                            int n = CheckCount(d.NumValues, levelsRead);
                            // A page without levels is all values: PLAIN ones decompress straight into the output.
                            if (_column.MaxRepetitionLevel == 0 && _column.MaxDefinitionLevel == 0
                                && TryDecompressInto(sink, default, default, n, n, d.Encoding, payload, header.UncompressedPageSize))
                            {
                                levelsRead += n;
                                break;
                            }
                            var body = Decompress(payload, header.UncompressedPageSize, ref page);
                            int p = 0;
                            Rent(ref rep, n);
                            Rent(ref def, n);
                            var repSpan = _column.MaxRepetitionLevel > 0 ? rep.AsSpan(0, n) : default;
                            var defSpan = _column.MaxDefinitionLevel > 0 ? def.AsSpan(0, n) : default;
                            if (_column.MaxRepetitionLevel > 0) p += DecodeV1Levels(body[p..], d.RepetitionLevelEncoding, _column.MaxRepetitionLevel, repSpan, "repetition");
                            if (_column.MaxDefinitionLevel > 0) p += DecodeV1Levels(body[p..], d.DefinitionLevelEncoding, _column.MaxDefinitionLevel, defSpan, "definition");
                            DeliverPage(sink, repSpan, defSpan, n, d.Encoding, body[p..], dictionary, levelsRead == 0);
                            levelsRead += n;
                            break;
                        }
                        case PageType.DataPageV2:
                        {
                            sawData = true;
                            var d = header.DataPageV2 ?? throw Error("data page v2 without its header");
                            int n = CheckCount(d.NumValues, levelsRead);
                            int repLen = d.RepetitionLevelsByteLength, defLen = d.DefinitionLevelsByteLength;
                            if (repLen < 0 || defLen < 0 || (long)repLen + defLen > payload.Length)
                                throw Error($"v2 level lengths {repLen}+{defLen} exceed the page's {payload.Length} bytes");
                            Rent(ref rep, n);
                            Rent(ref def, n);
                            var repSpan = _column.MaxRepetitionLevel > 0 ? rep.AsSpan(0, n) : default;
                            var defSpan = _column.MaxDefinitionLevel > 0 ? def.AsSpan(0, n) : default;
                            if (_column.MaxRepetitionLevel > 0) DecodeLevels(payload[..repLen], _column.MaxRepetitionLevel, repSpan, "repetition");
                            if (_column.MaxDefinitionLevel > 0) DecodeLevels(payload.Slice(repLen, defLen), _column.MaxDefinitionLevel, defSpan, "definition");
                            var valuesSection = payload[(repLen + defLen)..];
                            int uncompressedValues = header.UncompressedPageSize - repLen - defLen;
                            if (uncompressedValues < 0) throw Error("v2 page is smaller than its levels");
                            bool compressed = d.IsCompressed && _meta.Codec != ParquetCompression.Uncompressed;
                            if (!compressed || !TryDecompressInto(sink, repSpan, defSpan, n, NonNull(defSpan, n), d.Encoding, valuesSection, uncompressedValues, levelsRead == 0))
                                DeliverPage(sink, repSpan, defSpan, n, d.Encoding, compressed ? Decompress(valuesSection, uncompressedValues, ref page) : valuesSection, dictionary, levelsRead == 0);
                            levelsRead += n;
                            break;
                        }
                        default:
                            break; // Index pages and future page types carry nothing this reader needs.
                    }
                }
                catch (ParquetFormatException e) when (e.File is null && e.Offset is null)
                {
                    throw Error(e.Reason, e);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            if (page is not null) ArrayPool<byte>.Shared.Return(page);
            if (rep is not null) ArrayPool<short>.Shared.Return(rep);
            if (def is not null) ArrayPool<short>.Shared.Return(def);
        }
    }

    private int CheckCount(int n, long levelsRead)
    {
        if (n < 0 || n > _meta.NumValues - levelsRead)
            throw Error($"page holds {n} values but only {_meta.NumValues - levelsRead} of the chunk's {_meta.NumValues} remain");
        return n;
    }

    private int NonNull(ReadOnlySpan<short> def, int n) => _column.MaxDefinitionLevel == 0 ? n : def.Count((short)_column.MaxDefinitionLevel);

    private void CheckRowStart(ReadOnlySpan<short> rep, int n, bool firstPage)
    {
        // v1 pages may continue a row of the previous page; only the chunk must start with a row.
        if (_column.MaxRepetitionLevel > 0 && n > 0 && rep[0] != 0 && firstPage) throw Error("column chunk does not start at a row boundary");
    }

    /// <summary>
    /// PLAIN fixed-width values whose compressed bytes are exactly the page's non-null values
    /// decompress straight into the sink's span, skipping the page buffer and the copy out of it.
    /// False (nothing consumed) when the page does not have that shape.
    /// </summary>
    private bool TryDecompressInto(PageSink<T> sink, ReadOnlySpan<short> rep, ReadOnlySpan<short> def, int n, int nonNull,
        ParquetEncoding encoding, ReadOnlySpan<byte> compressed, int declared, bool firstPage = true)
    {
        if (encoding != ParquetEncoding.Plain || _meta.Codec == ParquetCompression.Uncompressed
            || !(typeof(T) == typeof(int) || typeof(T) == typeof(long) || typeof(T) == typeof(float) || typeof(T) == typeof(double))
            || declared != (long)nonNull * Unsafe.SizeOf<T>() || !BitConverter.IsLittleEndian)
            return false;
        CheckDeclared(compressed, declared);
        CheckRowStart(rep, n, firstPage);
        var dst = sink.OnPage(rep, def, nonNull);
        PageCompression.Decompress(_meta.Codec, compressed,
            MemoryMarshal.CreateSpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(dst)), dst.Length * Unsafe.SizeOf<T>()));
        sink.AfterValues(rep, def, nonNull);
        return true;
    }

    private void DeliverPage(PageSink<T> sink, ReadOnlySpan<short> rep, ReadOnlySpan<short> def, int n, ParquetEncoding encoding, ReadOnlySpan<byte> values, T[]? dictionary, bool firstPage)
    {
        int nonNull = NonNull(def, n);
        CheckRowStart(rep, n, firstPage);
        var dst = sink.OnPage(rep, def, nonNull);
        ValueDecoder.Decode(_column, encoding, values, dictionary, dst);
        sink.AfterValues(rep, def, nonNull);
    }

    private int DecodeV1Levels(ReadOnlySpan<byte> body, ParquetEncoding encoding, int maxLevel, Span<short> dst, string what)
    {
        if (encoding != ParquetEncoding.Rle)
            throw encoding == ParquetEncoding.BitPacked
                ? new ParquetNotSupportedException($"{_file ?? "Parquet data"}: column {_column.DottedPath} uses the deprecated BIT_PACKED level encoding")
                : Error($"{what} levels use encoding {encoding}");
        if (body.Length < 4) throw Error($"{what} levels lack their length");
        int len = BinaryPrimitives.ReadInt32LittleEndian(body);
        if ((uint)len > (uint)(body.Length - 4)) throw Error($"{what} levels of {len} bytes run past the page ({body.Length - 4} left)");
        DecodeLevels(body.Slice(4, len), maxLevel, dst, what);
        return 4 + len;
    }

    private void DecodeLevels(ReadOnlySpan<byte> src, int maxLevel, Span<short> dst, string what)
    {
        RleHybrid.Decode(src, BitPacking.BitWidth((ulong)maxLevel), dst);
        if (dst.IndexOfAnyExceptInRange((short)0, (short)maxLevel) >= 0)
            throw Error($"{what} level above the column's maximum {maxLevel}");
    }

    /// <summary>
    /// Decompresses into a pooled buffer of the declared size. The declared size is first bounded
    /// by what the codec can expand to, so a corrupt header cannot force a huge allocation.
    /// </summary>
    private ReadOnlySpan<byte> Decompress(ReadOnlySpan<byte> src, int declared, ref byte[]? buffer)
    {
        var codec = _meta.Codec;
        if (codec == ParquetCompression.Uncompressed)
        {
            if (declared != src.Length) throw Error($"uncompressed page of {src.Length} bytes declares {declared}");
            return src;
        }
        CheckDeclared(src, declared);
        if (buffer is null || buffer.Length < declared)
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(Math.Max(declared, 1));
        }
        var dst = buffer.AsSpan(0, declared);
        PageCompression.Decompress(codec, src, dst);
        return dst;
    }

    /// <summary>Bounds a page's declared size by what the codec can expand its bytes to.</summary>
    private void CheckDeclared(ReadOnlySpan<byte> src, int declared)
    {
        var codec = _meta.Codec;
        long limit = codec switch
        {
            // A Snappy copy of 64 bytes takes 3 bytes of input.
            ParquetCompression.Snappy => (long)src.Length * 22 + 64,
            // An LZ4 sequence of 255 bytes of match length costs one more input byte.
            ParquetCompression.Lz4Raw => (long)src.Length * 255 + 64,
            // A 4-byte ZSTD RLE block expands to a full 128 KiB block.
            ParquetCompression.Zstd => (long)src.Length * 32768 + (1 << 20),
            _ => (long)src.Length * 1100 + (1 << 20),
        };
        if (declared < 0 || declared > limit) throw Error($"page declares {declared} bytes uncompressed, impossible for {src.Length} bytes of {codec}");
    }

    private static void Rent(ref short[]? array, int size)
    {
        if (array is not null && array.Length >= size) return;
        if (array is not null) ArrayPool<short>.Shared.Return(array);
        array = ArrayPool<short>.Shared.Rent(Math.Max(size, 1));
    }
}
