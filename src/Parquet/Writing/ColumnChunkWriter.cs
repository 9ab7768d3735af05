using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OfflineSafety.Parquet.Compression;
using OfflineSafety.Parquet.Encodings;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Thrift;

namespace OfflineSafety.Parquet.Writing;

/// <summary>
/// Encodes one leaf column of the open row group into compressed pages held in memory until the
/// row group is written out. Pages are cut at row boundaries once they reach the page size.
/// </summary>
internal abstract class ColumnChunkWriter : IDisposable
{
    protected ColumnChunkWriter(ParquetColumn column) => Column = column;

    public ParquetColumn Column { get; }

    /// <summary>Encoded, uncompressed bytes buffered for the open row group (the row-group size measure).</summary>
    public abstract long BufferedBytes { get; }

    /// <summary>Writes the chunk (dictionary page first) at <paramref name="offset"/>, and resets for the next row group.</summary>
    public abstract ParquetColumnChunkMetadata WriteTo(Stream stream, long offset);

    public abstract void Dispose();

    public static ColumnChunkWriter Create(ParquetColumn column, ParquetWriteOptions options)
    {
        ParquetEncoding? forced = null;
        if (options.ColumnEncodings is { } map && (map.TryGetValue(column.DottedPath, out var e) || map.TryGetValue(column.Path[0], out e)))
            forced = e;
        var type = column.ValueType;
        if (type == typeof(bool)) return new ColumnChunkWriter<bool>(column, options, forced);
        if (type == typeof(int)) return new ColumnChunkWriter<int>(column, options, forced);
        if (type == typeof(long)) return new ColumnChunkWriter<long>(column, options, forced);
        if (type == typeof(float)) return new ColumnChunkWriter<float>(column, options, forced);
        if (type == typeof(double)) return new ColumnChunkWriter<double>(column, options, forced);
        if (type == typeof(string)) return new ColumnChunkWriter<string>(column, options, forced);
        return new ColumnChunkWriter<byte[]>(column, options, forced);
    }
}

internal sealed class ColumnChunkWriter<T> : ColumnChunkWriter where T : notnull
{
    /// <summary>Levels are staged in slices of about this many, cut at row boundaries, so pages land near their target size.</summary>
    private const int SliceLevels = 8192;
    /// <summary>Before the first page is written, a dictionary whose entries exceed half the values seen is dropped.</summary>
    private const int DictionaryProbeValues = 4096;

    private readonly ParquetWriteOptions _options;
    private readonly int _maxDef, _maxRep, _defWidth, _repWidth;
    private readonly ParquetEncoding _valueEncoding;
    private readonly bool _dictionaryAllowed;
    private readonly int _fixedLength;
    private readonly ChunkStatistics<T> _stats;

    // Page staging.
    private short[] _rep = [], _def = [];
    private int _levelCount, _pageRows;
    private T[] _values = [];
    private int[] _indices = [];
    private int _valueCount;
    private long _pageValueBytes;

    // Chunk state.
    private readonly PooledBuffer _pages = new(1 << 16);
    private readonly PooledBuffer _levels = new(), _body = new(1 << 16), _compressed = new(1 << 16), _header = new(256);
    private long _uncompressedTotal;
    private long _numValues, _nullCount;
    private readonly HashSet<ParquetEncoding> _encodings = [];
    private bool _hasLevels;

    // Dictionary state.
    private Dictionary<T, int>? _dict;
    private readonly List<T> _dictValues = [];
    private readonly PooledBuffer _dictBytes = new(1 << 12);
    private bool _dictActive, _dictPagesWritten;
    private long _valuesSeen;

    public ColumnChunkWriter(ParquetColumn column, ParquetWriteOptions options, ParquetEncoding? forced) : base(column)
    {
        _options = options;
        _maxDef = column.MaxDefinitionLevel;
        _maxRep = column.MaxRepetitionLevel;
        _defWidth = BitPacking.BitWidth((ulong)_maxDef);
        _repWidth = BitPacking.BitWidth((ulong)_maxRep);
        _fixedLength = column.PhysicalType is ParquetPhysicalType.FixedLenByteArray or ParquetPhysicalType.Int96 ? column.Field.TypeLength : 0;
        _stats = new ChunkStatistics<T>(column, options.WriteStatistics);
        _valueEncoding = forced ?? ParquetEncoding.Plain;
        if (forced is { } f) CheckEncoding(column, f);
        _dictionaryAllowed = forced is null && options.EnableDictionary && typeof(T) != typeof(bool);
        _dictActive = _dictionaryAllowed;
        if (_dictionaryAllowed) _dict = new Dictionary<T, int>(ValueComparers.For<T>());
    }

    private static void CheckEncoding(ParquetColumn column, ParquetEncoding e)
    {
        var p = column.PhysicalType;
        bool ok = e switch
        {
            ParquetEncoding.Plain => true,
            ParquetEncoding.DeltaBinaryPacked => p is ParquetPhysicalType.Int32 or ParquetPhysicalType.Int64,
            ParquetEncoding.DeltaLengthByteArray => p is ParquetPhysicalType.ByteArray,
            ParquetEncoding.DeltaByteArray => p is ParquetPhysicalType.ByteArray or ParquetPhysicalType.FixedLenByteArray,
            ParquetEncoding.ByteStreamSplit => p is ParquetPhysicalType.Float or ParquetPhysicalType.Double or ParquetPhysicalType.Int32
                or ParquetPhysicalType.Int64 or ParquetPhysicalType.FixedLenByteArray,
            ParquetEncoding.Rle => p is ParquetPhysicalType.Boolean,
            _ => false,
        };
        if (!ok) throw new ArgumentException($"column {column.DottedPath}: encoding {e} cannot encode {p} values");
    }

    public override long BufferedBytes => _uncompressedTotal + _dictBytes.Length + StagedBytes;

    private long StagedBytes => _pageValueBytes + (_hasLevels ? _levelCount / 4 : 0);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Append(ReadOnlySpan<short> rep, ReadOnlySpan<short> def, ReadOnlySpan<T> values)
    {
        int levelCount = _maxDef > 0 ? def.Length : _maxRep > 0 ? rep.Length : values.Length;
        if (_maxRep > 0 && rep.Length != levelCount) throw new ArgumentException($"column {Column.DottedPath}: {rep.Length} repetition levels but {levelCount} definition levels");
        if (_maxDef > 0 && def.Length != levelCount) throw new ArgumentException($"column {Column.DottedPath}: {def.Length} definition levels, expected {levelCount}");
        if (_maxDef > 0 && def.IndexOfAnyExceptInRange((short)0, (short)_maxDef) >= 0)
            throw new ArgumentException($"column {Column.DottedPath}: definition level outside 0..{_maxDef}");
        if (_maxRep > 0 && (rep.IndexOfAnyExceptInRange((short)0, (short)_maxRep) >= 0 || (levelCount > 0 && rep[0] != 0)))
            throw new ArgumentException($"column {Column.DottedPath}: repetition levels must lie in 0..{_maxRep} and start a row");
        _hasLevels = _maxDef > 0 || _maxRep > 0;
        int vPos = 0, lPos = 0;
        while (lPos < levelCount)
        {
            int end = Math.Min(levelCount, lPos + SliceLevels);
            if (_maxRep > 0)
                while (end < levelCount && rep[end] != 0) end++;
            int n = end - lPos;
            int nonNull = _maxDef == 0 ? n : def.Slice(lPos, n).Count((short)_maxDef);
            if (nonNull > values.Length - vPos)
                throw new ArgumentException($"column {Column.DottedPath}: levels describe more values than the {values.Length} given");
            StageLevels(_maxRep > 0 ? rep.Slice(lPos, n) : default, _maxDef > 0 ? def.Slice(lPos, n) : default, n);
            _pageRows += _maxRep > 0 ? rep.Slice(lPos, n).Count((short)0) : n;
            StageValues(values.Slice(vPos, nonNull));
            _nullCount += n - nonNull;
            _numValues += n;
            vPos += nonNull;
            lPos = end;
            if (StagedBytes >= _options.PageSizeBytes) FlushPage();
            if (_dictActive && _dictBytes.Length >= _options.DictionaryPageSizeLimit)
            {
                // The dictionary is full: finish this page with it and write PLAIN from here on.
                FlushPage();
                _dictActive = false;
            }
        }
        if (vPos != values.Length)
            throw new ArgumentException($"column {Column.DottedPath}: {values.Length} values given but the levels describe {vPos}");
    }

    private void StageLevels(ReadOnlySpan<short> rep, ReadOnlySpan<short> def, int n)
    {
        int need = _levelCount + n;
        if (_maxRep > 0)
        {
            Grow(ref _rep, need);
            rep.CopyTo(_rep.AsSpan(_levelCount));
        }
        if (_maxDef > 0)
        {
            Grow(ref _def, need);
            def.CopyTo(_def.AsSpan(_levelCount));
        }
        _levelCount = need;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void StageValues(ReadOnlySpan<T> values)
    {
        if (values.IsEmpty) return;
        _valuesSeen += values.Length;
        if (_dictActive)
        {
            Grow(ref _indices, _valueCount + values.Length);
            var dst = _indices.AsSpan(_valueCount, values.Length);
            var dict = _dict!;
            for (int i = 0; i < values.Length; i++)
            {
                ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(dict, values[i], out bool exists);
                if (!exists)
                {
                    slot = _dictValues.Count;
                    AddDictionaryEntry(values[i]);
                }
                dst[i] = slot;
            }
            _valueCount += values.Length;
            _pageValueBytes = (long)_valueCount * Math.Max(1, BitPacking.BitWidth((ulong)_dictValues.Count)) / 8 + 1;
            if (!_dictPagesWritten && _valuesSeen >= DictionaryProbeValues && _dictValues.Count * 2L > _valuesSeen) AbandonDictionary();
            return;
        }
        Grow(ref _values, _valueCount + values.Length);
        values.CopyTo(_values.AsSpan(_valueCount));
        _valueCount += values.Length;
        _stats.AddValues(values);
        _pageValueBytes += EstimateBytes(values);
    }

    private void AddDictionaryEntry(T value)
    {
        _dictValues.Add(value);
        int before = _dictBytes.Length;
        EncodePlainOne(value, _dictBytes);
        if (typeof(T) == typeof(string) || typeof(T) == typeof(byte[]))
            _stats.AddBytes(_dictBytes.WrittenSpan[(before + (_fixedLength > 0 ? 0 : 4))..]);
        else
            _stats.AddValues(new ReadOnlySpan<T>(in value));
    }

    /// <summary>Turns the staged indices back into values and continues PLAIN: the dictionary was not paying off.</summary>
    private void AbandonDictionary()
    {
        Grow(ref _values, _valueCount);
        var dv = CollectionsMarshal.AsSpan(_dictValues);
        for (int i = 0; i < _valueCount; i++) _values[i] = dv[_indices[i]];
        _pageValueBytes = EstimateBytes(_values.AsSpan(0, _valueCount));
        ResetDictionary();
        _dictActive = false;
    }

    private void ResetDictionary()
    {
        _dict?.Clear();
        _dictValues.Clear();
        _dictBytes.Clear();
        _dictPagesWritten = false;
    }

    private long EstimateBytes(ReadOnlySpan<T> values)
    {
        if (typeof(T) == typeof(bool)) return (values.Length + 7) / 8;
        if (typeof(T) == typeof(string))
        {
            long sum = 0;
            foreach (var s in SpanCast.As<T, string>(values)) sum += 4 + s.Length;
            return sum;
        }
        if (typeof(T) == typeof(byte[]))
        {
            long sum = 0;
            foreach (var b in SpanCast.As<T, byte[]>(values)) sum += (_fixedLength > 0 ? 0 : 4) + b.Length;
            return sum;
        }
        return (long)values.Length * Unsafe.SizeOf<T>();
    }

    private void EncodePlainOne(T value, PooledBuffer output)
    {
        if (typeof(T) == typeof(string)) PlainCodec.EncodeString(Unsafe.As<T, string>(ref value), output);
        else if (typeof(T) == typeof(byte[]))
        {
            var bytes = Unsafe.As<T, byte[]>(ref value);
            if (_fixedLength > 0)
            {
                CheckFixedLength(bytes);
                output.Write(bytes);
            }
            else PlainCodec.EncodeByteArray(bytes, output);
        }
        else if (typeof(T) == typeof(int)) PlainCodec.EncodeFixed(new ReadOnlySpan<int>(in Unsafe.As<T, int>(ref value)), output);
        else if (typeof(T) == typeof(long)) PlainCodec.EncodeFixed(new ReadOnlySpan<long>(in Unsafe.As<T, long>(ref value)), output);
        else if (typeof(T) == typeof(float)) PlainCodec.EncodeFixed(new ReadOnlySpan<float>(in Unsafe.As<T, float>(ref value)), output);
        else if (typeof(T) == typeof(double)) PlainCodec.EncodeFixed(new ReadOnlySpan<double>(in Unsafe.As<T, double>(ref value)), output);
        else throw new InvalidOperationException($"no PLAIN encoding for {typeof(T)}");
    }

    private void CheckFixedLength(byte[] bytes)
    {
        if (bytes.Length != _fixedLength)
            throw new ArgumentException($"column {Column.DottedPath}: value of {bytes.Length} bytes, FIXED_LEN_BYTE_ARRAY({_fixedLength}) expected");
    }

    private void FlushPage()
    {
        if (_levelCount == 0) return;
        bool v2 = _options.DataPageVersion == 2;
        // Levels.
        _levels.Clear();
        int repLen = EncodeLevels(_maxRep > 0 ? _rep.AsSpan(0, _levelCount) : default, _repWidth, prefix: !v2);
        int defLen = EncodeLevels(_maxDef > 0 ? _def.AsSpan(0, _levelCount) : default, _defWidth, prefix: !v2);
        // Values.
        _body.Clear();
        ParquetEncoding encoding = EncodeStagedValues(_body);
        _encodings.Add(encoding);
        if (_hasLevels) _encodings.Add(ParquetEncoding.Rle);

        var codec = _options.Compression;
        _compressed.Clear();
        int uncompressedSize = _levels.Length + _body.Length;
        PageHeader header;
        if (v2)
        {
            _compressed.Write(_levels.WrittenSpan);
            bool compress = codec != ParquetCompression.Uncompressed;
            if (compress) PageCompression.Compress(codec, _body.WrittenSpan, _compressed);
            else _compressed.Write(_body.WrittenSpan);
            header = new PageHeader
            {
                Type = PageType.DataPageV2,
                DataPageV2 = new DataPageHeaderV2
                {
                    NumValues = _levelCount,
                    NumNulls = _levelCount - _valueCount,
                    NumRows = _pageRows,
                    Encoding = encoding,
                    DefinitionLevelsByteLength = defLen,
                    RepetitionLevelsByteLength = repLen,
                    IsCompressed = compress,
                },
            };
        }
        else
        {
            _levels.Write(_body.WrittenSpan);
            PageCompression.Compress(codec, _levels.WrittenSpan, _compressed);
            header = new PageHeader
            {
                Type = PageType.DataPage,
                DataPage = new DataPageHeader { NumValues = _levelCount, Encoding = encoding },
            };
        }
        header.UncompressedPageSize = uncompressedSize;
        header.CompressedPageSize = _compressed.Length;
        header.Crc = Checksum(_compressed.WrittenSpan);
        int headerLen = WriteHeader(header, _pages);
        _pages.Write(_compressed.WrittenSpan);
        _uncompressedTotal += headerLen + uncompressedSize;
        if (encoding == ParquetEncoding.RleDictionary) _dictPagesWritten = true;
        _levelCount = 0;
        _valueCount = 0;
        _pageRows = 0;
        _pageValueBytes = 0;
    }

    // The format stores the CRC-32 (IEEE, as zlib) of the page as written, bit pattern in an i32.
    private int? Checksum(ReadOnlySpan<byte> storedPage) =>
        _options.PageChecksums ? unchecked((int)Crc32.HashToUInt32(storedPage)) : null;

    private int WriteHeader(PageHeader header, PooledBuffer output)
    {
        int before = output.Length;
        MetadataCodec.WritePageHeader(new ThriftCompactWriter(output), header);
        return output.Length - before;
    }

    /// <summary>Appends RLE levels to <see cref="_levels"/> (v1: with a 4-byte length); returns the bytes without the prefix.</summary>
    private int EncodeLevels(ReadOnlySpan<short> levels, int bitWidth, bool prefix)
    {
        if (bitWidth == 0) return 0;
        int start = _levels.Length;
        if (prefix) _levels.Advance(4);
        int dataStart = _levels.Length;
        RleHybrid.Encode(levels, bitWidth, _levels);
        int len = _levels.Length - dataStart;
        if (prefix) BinaryPrimitives.WriteInt32LittleEndian(_levels.WrittenSpanMutable.Slice(start, 4), len);
        return len;
    }

    private ParquetEncoding EncodeStagedValues(PooledBuffer output)
    {
        if (_dictActive)
        {
            int width = Math.Max(1, BitPacking.BitWidth((ulong)Math.Max(_dictValues.Count - 1, 0)));
            output.WriteByte((byte)width);
            RleHybrid.Encode((ReadOnlySpan<int>)_indices.AsSpan(0, _valueCount), width, output);
            return ParquetEncoding.RleDictionary;
        }
        var values = _values.AsSpan(0, _valueCount);
        switch (_valueEncoding)
        {
            case ParquetEncoding.DeltaBinaryPacked:
            {
                var wide = ArrayPool<long>.Shared.Rent(Math.Max(values.Length, 1));
                try
                {
                    if (typeof(T) == typeof(int))
                    {
                        var ints = SpanCast.As<T, int>(values);
                        for (int i = 0; i < ints.Length; i++) wide[i] = ints[i];
                    }
                    else SpanCast.As<T, long>(values).CopyTo(wide);
                    DeltaCodec.Encode(wide.AsSpan(0, values.Length), typeof(T) == typeof(int), output);
                }
                finally
                {
                    ArrayPool<long>.Shared.Return(wide);
                }
                return _valueEncoding;
            }
            case ParquetEncoding.DeltaLengthByteArray:
            case ParquetEncoding.DeltaByteArray:
            {
                var bytes = new byte[values.Length][];
                for (int i = 0; i < values.Length; i++)
                {
                    bytes[i] = ToBytes(values[i]);
                    _stats.AddBytes(bytes[i]);
                }
                if (_valueEncoding == ParquetEncoding.DeltaByteArray) DeltaCodec.EncodeByteArrays(bytes, output);
                else DeltaCodec.EncodeLengthByteArrays(bytes, output);
                return _valueEncoding;
            }
            case ParquetEncoding.ByteStreamSplit:
            {
                if (typeof(T) == typeof(byte[]))
                {
                    using var flat = new PooledBuffer(values.Length * _fixedLength + 1);
                    foreach (var v in SpanCast.As<T, byte[]>(values))
                    {
                        CheckFixedLength(v);
                        flat.Write(v);
                        _stats.AddBytes(v);
                    }
                    ByteStreamSplit.Encode(flat.WrittenSpan, _fixedLength, output);
                }
                else ByteStreamSplit.Encode(SpanCast.Bytes(values), Unsafe.SizeOf<T>(), output);
                return _valueEncoding;
            }
            case ParquetEncoding.Rle:
            {
                int start = output.Length;
                output.Advance(4);
                RleHybrid.Encode(SpanCast.As<T, byte>(values), 1, output);
                BinaryPrimitives.WriteInt32LittleEndian(output.WrittenSpanMutable.Slice(start, 4), output.Length - start - 4);
                return ParquetEncoding.Rle;
            }
        }
        EncodePlain(values, output);
        return ParquetEncoding.Plain;
    }

    private byte[] ToBytes(T value) =>
        typeof(T) == typeof(string) ? System.Text.Encoding.UTF8.GetBytes(Unsafe.As<T, string>(ref value)) : Unsafe.As<T, byte[]>(ref value);

    private void EncodePlain(ReadOnlySpan<T> values, PooledBuffer output)
    {
        if (typeof(T) == typeof(bool)) PlainCodec.EncodeBooleans(SpanCast.As<T, bool>(values), output);
        else if (typeof(T) == typeof(string))
        {
            foreach (var s in SpanCast.As<T, string>(values))
            {
                int n = PlainCodec.EncodeString(s, output);
                _stats.AddBytes(output.WrittenSpan[^n..]);
            }
        }
        else if (typeof(T) == typeof(byte[]))
        {
            foreach (var b in SpanCast.As<T, byte[]>(values))
            {
                if (_fixedLength > 0)
                {
                    CheckFixedLength(b);
                    output.Write(b);
                }
                else PlainCodec.EncodeByteArray(b, output);
                _stats.AddBytes(b);
            }
        }
        else output.Write(SpanCast.Bytes(values));
    }

    public override ParquetColumnChunkMetadata WriteTo(Stream stream, long offset)
    {
        FlushPage();
        long written = 0;
        long uncompressed = _uncompressedTotal;
        long? dictOffset = null;
        var encodings = new SortedSet<ParquetEncoding>(_encodings);
        if (_dictPagesWritten)
        {
            _compressed.Clear();
            PageCompression.Compress(_options.Compression, _dictBytes.WrittenSpan, _compressed);
            var header = new PageHeader
            {
                Type = PageType.DictionaryPage,
                UncompressedPageSize = _dictBytes.Length,
                CompressedPageSize = _compressed.Length,
                DictionaryPage = new DictionaryPageHeader { NumValues = _dictValues.Count, Encoding = ParquetEncoding.Plain },
                Crc = Checksum(_compressed.WrittenSpan),
            };
            _header.Clear();
            int headerLen = WriteHeader(header, _header);
            stream.Write(_header.WrittenSpan);
            stream.Write(_compressed.WrittenSpan);
            dictOffset = offset;
            written += headerLen + _compressed.Length;
            uncompressed += headerLen + _dictBytes.Length;
            encodings.Add(ParquetEncoding.Plain);
        }
        stream.Write(_pages.WrittenSpan);
        long dataOffset = offset + written;
        written += _pages.Length;
        var meta = new ParquetColumnChunkMetadata
        {
            FileOffset = offset,
            PhysicalType = Column.PhysicalType,
            Encodings = encodings.ToArray(),
            PathInSchema = Column.Path.ToArray(),
            Codec = _options.Compression,
            NumValues = _numValues,
            TotalUncompressedSize = uncompressed,
            TotalCompressedSize = written,
            DataPageOffset = dataOffset,
            DictionaryPageOffset = dictOffset,
            Statistics = _options.WriteStatistics ? _stats.ToEncoded(_nullCount) : null,
        };
        // Ready for the next row group.
        _pages.Clear();
        _uncompressedTotal = 0;
        _numValues = 0;
        _nullCount = 0;
        _encodings.Clear();
        _stats.Reset();
        _valuesSeen = 0;
        ResetDictionary();
        _dictActive = _dictionaryAllowed;
        return meta;
    }

    private static void Grow<TV>(ref TV[] array, int needed)
    {
        if (array.Length >= needed) return;
        var next = ArrayPool<TV>.Shared.Rent(Math.Max(needed, Math.Max(1024, array.Length * 2)));
        array.AsSpan().CopyTo(next);
        if (array.Length > 0) ArrayPool<TV>.Shared.Return(array, RuntimeHelpers.IsReferenceOrContainsReferences<TV>());
        array = next;
    }

    public override void Dispose()
    {
        ReturnArray(ref _rep);
        ReturnArray(ref _def);
        ReturnArray(ref _values);
        ReturnArray(ref _indices);
        _pages.Dispose();
        _levels.Dispose();
        _body.Dispose();
        _compressed.Dispose();
        _header.Dispose();
        _dictBytes.Dispose();
    }

    private static void ReturnArray<TV>(ref TV[] array)
    {
        if (array.Length > 0) ArrayPool<TV>.Shared.Return(array, RuntimeHelpers.IsReferenceOrContainsReferences<TV>());
        array = [];
    }
}
