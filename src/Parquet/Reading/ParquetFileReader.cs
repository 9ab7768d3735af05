using System.Buffers.Binary;
using System.Runtime.ExceptionServices;
using System.Text;
using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Thrift;

namespace OfflineSafety.Parquet.Reading;

/// <summary>
/// Reads a Parquet file: the footer on open, then column chunks on demand. Column reads are
/// independent and may run in parallel. Malformed input raises <see cref="ParquetFormatException"/>;
/// unsupported codecs (ZSTD, LZ4, LZO) raise <see cref="NotSupportedException"/>.
/// </summary>
public sealed class ParquetFileReader : IDisposable
{
    private static ReadOnlySpan<byte> Magic => "PAR1"u8;

    /// <summary>Footers larger than this are refused before allocation.</summary>
    private const int MaxFooterBytes = 256 << 20;

    private readonly IParquetSource _source;
    private readonly long _dataEnd;

    private ParquetFileReader(IParquetSource source, string? fileName)
    {
        _source = source;
        FileName = fileName;
        try
        {
            (Metadata, Schema, _dataEnd) = ReadFooter();
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    public static ParquetFileReader Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        return new ParquetFileReader(new FileSource(handle), path);
    }

    /// <summary>Reads from a seekable stream; <paramref name="name"/> is used in error messages.</summary>
    public ParquetFileReader(Stream stream, string? name = null, bool leaveOpen = false)
        : this(new StreamSource(CheckStream(stream), leaveOpen), name) { }

    /// <summary>Reads from bytes in memory.</summary>
    public ParquetFileReader(ReadOnlyMemory<byte> bytes, string? name = null) : this(new MemorySource(bytes), name) { }

    private static Stream CheckStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek || !stream.CanRead) throw new ArgumentException("a Parquet reader needs a readable, seekable stream", nameof(stream));
        return stream;
    }

    public string? FileName { get; }
    public ParquetSchema Schema { get; }
    public ParquetFileMetadata Metadata { get; }
    public int RowGroupCount => Metadata.RowGroups.Count;
    public long RowCount => Metadata.NumRows;

    public long GetRowGroupRowCount(int rowGroup) => RowGroup(rowGroup).NumRows;

    private ParquetFormatException Error(string reason, long? offset = null, string? column = null) => new(reason, FileName, offset, column);

    private (ParquetFileMetadata, ParquetSchema, long) ReadFooter()
    {
        long length = _source.Length;
        if (length < 12) throw Error($"file of {length} bytes is too short to be Parquet");
        Span<byte> head = stackalloc byte[4];
        _source.Read(0, head);
        if (!head.SequenceEqual(Magic)) throw Error("bad magic at the start (not a Parquet file)", 0);
        Span<byte> tail = stackalloc byte[8];
        _source.Read(length - 8, tail);
        if (tail[4..].SequenceEqual("PARE"u8)) throw new ParquetNotSupportedException($"{FileName ?? "Parquet data"}: encrypted footers are not supported");
        if (!tail[4..].SequenceEqual(Magic)) throw Error("bad magic at the end (truncated or not a Parquet file)", length - 4);
        uint footerLength = BinaryPrimitives.ReadUInt32LittleEndian(tail);
        long footerStart = length - 8 - footerLength;
        if (footerLength == 0 || footerLength > MaxFooterBytes || footerStart < 4)
            throw Error($"footer length {footerLength} does not fit in a file of {length} bytes", length - 8);
        var footer = new byte[footerLength];
        _source.Read(footerStart, footer);
        var meta = MetadataCodec.ReadFileMetadata(new ThriftCompactReader(footer, footerStart, FileName));
        var schema = SchemaCodec.ToSchema(meta.Schema, FileName);
        long rows = 0;
        foreach (var group in meta.RowGroups)
        {
            if (group.Columns.Count != schema.Columns.Count)
                throw Error($"row group has {group.Columns.Count} column chunks, the schema has {schema.Columns.Count} columns", footerStart);
            for (int i = 0; i < group.Columns.Count; i++)
            {
                var chunk = group.Columns[i];
                var column = schema.Columns[i];
                if (chunk.PhysicalType != column.PhysicalType)
                    throw Error($"column chunk type {chunk.PhysicalType} differs from the schema's {column.PhysicalType}", footerStart, column.DottedPath);
                if (chunk.PathInSchema.Count > 0 && !chunk.PathInSchema.SequenceEqual(column.Path))
                    throw Error($"column chunk path {string.Join('.', chunk.PathInSchema)} differs from the schema's", footerStart, column.DottedPath);
                if (chunk.FilePath is not null)
                    throw new ParquetNotSupportedException($"{FileName ?? "Parquet data"}: column {column.DottedPath} lives in another file ({chunk.FilePath})");
            }
            rows += group.NumRows;
        }
        if (rows != meta.NumRows) throw Error($"row groups hold {rows} rows, the footer says {meta.NumRows}", footerStart);
        return (meta, schema, footerStart);
    }

    private ParquetRowGroupMetadata RowGroup(int rowGroup) =>
        (uint)rowGroup < (uint)Metadata.RowGroups.Count ? Metadata.RowGroups[rowGroup]
            : throw new ArgumentOutOfRangeException(nameof(rowGroup), $"row group {rowGroup} of {Metadata.RowGroups.Count}");

    // ------------------------------------------------------------ statistics and pruning

    /// <summary>Decoded statistics of one column chunk, or null if it has none.</summary>
    public ParquetStatistics? GetStatistics(int rowGroup, string column) => GetStatistics(rowGroup, Schema.Column(column));

    public ParquetStatistics? GetStatistics(int rowGroup, ParquetColumn column)
    {
        var s = RowGroup(rowGroup).Columns[column.Index].Statistics;
        if (s is null) return null;
        byte[]? min = s.MinValue, max = s.MaxValue;
        if (min is null || max is null)
        {
            // Legacy min/max used signed comparison, which is right only for signed numbers and booleans.
            bool legacyOk = column.PhysicalType is ParquetPhysicalType.Boolean or ParquetPhysicalType.Float or ParquetPhysicalType.Double
                || (column.PhysicalType is ParquetPhysicalType.Int32 or ParquetPhysicalType.Int64 && column.LogicalType is not { Kind: ParquetLogicalKind.Integer, IsSigned: false });
            min = legacyOk ? s.Min : null;
            max = legacyOk ? s.Max : null;
        }
        return new ParquetStatistics(DecodeBound(column, min), DecodeBound(column, max), s.NullCount, s.DistinctCount);
    }

    private static object? DecodeBound(ParquetColumn column, byte[]? bytes)
    {
        if (bytes is null) return null;
        object? value = column.PhysicalType switch
        {
            ParquetPhysicalType.Boolean when bytes.Length >= 1 => bytes[0] != 0,
            ParquetPhysicalType.Int32 when bytes.Length >= 4 => BinaryPrimitives.ReadInt32LittleEndian(bytes),
            ParquetPhysicalType.Int64 when bytes.Length >= 8 => BinaryPrimitives.ReadInt64LittleEndian(bytes),
            ParquetPhysicalType.Float when bytes.Length >= 4 => BinaryPrimitives.ReadSingleLittleEndian(bytes),
            ParquetPhysicalType.Double when bytes.Length >= 8 => BinaryPrimitives.ReadDoubleLittleEndian(bytes),
            ParquetPhysicalType.ByteArray when column.Field.IsText => Encoding.UTF8.GetString(bytes),
            ParquetPhysicalType.ByteArray or ParquetPhysicalType.FixedLenByteArray => bytes,
            _ => null,
        };
        return value switch
        {
            float f when float.IsNaN(f) => null,
            double d when double.IsNaN(d) => null,
            _ => value,
        };
    }

    /// <summary>Row groups that statistics do not rule out for all of <paramref name="filters"/>.</summary>
    public IEnumerable<int> RowGroupsMatching(params IReadOnlyList<ParquetFilter> filters)
    {
        var columns = filters.Select(f => Schema.Column(f.Column)).ToArray();
        for (int g = 0; g < RowGroupCount; g++)
        {
            bool keep = true;
            for (int i = 0; i < filters.Count && keep; i++) keep = filters[i].MayMatch(columns[i], GetStatistics(g, columns[i]));
            if (keep) yield return g;
        }
    }

    // ------------------------------------------------------------ columnar reads

    private ColumnChunkReader<T> ChunkReader<T>(int rowGroup, ParquetColumn column)
    {
        if (typeof(T) != column.ValueType)
            throw new ArgumentException($"column {column.DottedPath} holds {column.ValueType.Name} values, not {typeof(T).Name}");
        var group = RowGroup(rowGroup);
        return new ColumnChunkReader<T>(_source, group.Columns[column.Index], column, FileName, group.NumRows, _dataEnd);
    }

    private ParquetFormatException Wrap(ParquetFormatException e, ParquetColumn column) =>
        e.File is null && e.Column is null ? new ParquetFormatException(e.Reason, FileName, e.Offset, column.DottedPath, e) : e;

    /// <summary>Levels and non-null values of one leaf column of one row group (any nesting).</summary>
    public ParquetColumnData ReadColumn(int rowGroup, string column, CancellationToken cancellationToken = default) =>
        ReadColumn(rowGroup, Schema.Column(column), cancellationToken);

    public ParquetColumnData ReadColumn(int rowGroup, ParquetColumn column, CancellationToken cancellationToken = default) => column.ValueType switch
    {
        var t when t == typeof(bool) => ReadLevels<bool>(rowGroup, column, cancellationToken),
        var t when t == typeof(int) => ReadLevels<int>(rowGroup, column, cancellationToken),
        var t when t == typeof(long) => ReadLevels<long>(rowGroup, column, cancellationToken),
        var t when t == typeof(float) => ReadLevels<float>(rowGroup, column, cancellationToken),
        var t when t == typeof(double) => ReadLevels<double>(rowGroup, column, cancellationToken),
        var t when t == typeof(string) => ReadLevels<string>(rowGroup, column, cancellationToken),
        _ => ReadLevels<byte[]>(rowGroup, column, cancellationToken),
    };

    private ParquetColumnData ReadLevels<T>(int rowGroup, ParquetColumn column, CancellationToken ct)
    {
        var reader = ChunkReader<T>(rowGroup, column);
        var sink = new LevelSink<T>(column, reader.InitialCapacity);
        try
        {
            reader.Read(sink, ct);
        }
        catch (ParquetFormatException e)
        {
            throw Wrap(e, column);
        }
        return sink.Finish();
    }

    /// <summary>
    /// A non-repeated column of one row group as one value per row. Throws
    /// <see cref="InvalidDataException"/> if any value is null (use the overload with validity).
    /// </summary>
    public T[] ReadValues<T>(int rowGroup, string column, CancellationToken cancellationToken = default)
    {
        var values = ReadValues<T>(rowGroup, column, out var validity, cancellationToken);
        if (validity is not null)
            throw new InvalidDataException($"column {column} has nulls in row group {rowGroup}; use the ReadValues overload that returns validity");
        return values;
    }

    /// <summary>
    /// A non-repeated column of one row group as one value per row; <paramref name="validity"/> is
    /// null when no value is null, else false marks null rows (which hold default values).
    /// </summary>
    public T[] ReadValues<T>(int rowGroup, string column, out bool[]? validity, CancellationToken cancellationToken = default)
    {
        var col = Schema.Column(column);
        if (col.MaxRepetitionLevel != 0) throw new ArgumentException($"column {col.DottedPath} is repeated; use ReadList or ReadColumn");
        var reader = ChunkReader<T>(rowGroup, col);
        var sink = new FlatSink<T>(col, checked((int)GetRowGroupRowCount(rowGroup)), reader.InitialCapacity);
        try
        {
            reader.Read(sink, cancellationToken);
            return sink.Finish(out validity);
        }
        catch (ParquetFormatException e)
        {
            throw Wrap(e, col);
        }
    }

    /// <summary>
    /// A non-repeated column of one row group into the caller's memory (at least the row group's
    /// row count), one value per row; returns the rows written. A scan that reuses one destination
    /// for row group after row group allocates nothing per column chunk for its values. Throws
    /// <see cref="InvalidDataException"/> if any value is null.
    /// </summary>
    public int ReadValues<T>(int rowGroup, string column, Memory<T> destination, CancellationToken cancellationToken = default)
    {
        var col = Schema.Column(column);
        if (col.MaxRepetitionLevel != 0) throw new ArgumentException($"column {col.DottedPath} is repeated; use ReadList or ReadColumn");
        var reader = ChunkReader<T>(rowGroup, col);
        var sink = new FlatSink<T>(col, checked((int)GetRowGroupRowCount(rowGroup)), destination);
        int rows;
        bool[]? validity;
        try
        {
            reader.Read(sink, cancellationToken);
            rows = sink.FinishInto(out validity);
        }
        catch (ParquetFormatException e)
        {
            throw Wrap(e, col);
        }
        if (validity is not null)
            throw new InvalidDataException($"column {column} has nulls in row group {rowGroup}; use the ReadValues overload that returns validity");
        return rows;
    }

    /// <summary>A LIST column (one repeated level) of one row group as flat values plus row offsets.</summary>
    public ParquetList<T> ReadList<T>(int rowGroup, string column, CancellationToken cancellationToken = default)
    {
        var col = Schema.Column(column);
        var reader = ChunkReader<T>(rowGroup, col);
        var sink = new ListSink<T>(col, checked((int)GetRowGroupRowCount(rowGroup)), reader.InitialCapacity);
        try
        {
            reader.Read(sink, cancellationToken);
            return sink.Finish();
        }
        catch (ParquetFormatException e)
        {
            throw Wrap(e, col);
        }
    }

    /// <summary>
    /// A LIST column whose every row holds exactly <paramref name="listLength"/> non-null values,
    /// as one row-major array (row i at [i*listLength, (i+1)*listLength)).
    /// </summary>
    public T[] ReadFixedSizeList<T>(int rowGroup, string column, int listLength, CancellationToken cancellationToken = default)
    {
        var list = ReadList<T>(rowGroup, column, cancellationToken);
        if (list.Validity is not null || list.ElementValidity is not null)
            throw new InvalidDataException($"column {column} has null lists or elements in row group {rowGroup}");
        var offsets = list.Offsets;
        for (int r = 0; r < list.RowCount; r++)
            if (offsets[r + 1] - offsets[r] != listLength)
                throw new InvalidDataException($"column {column}: row {r} of row group {rowGroup} holds {offsets[r + 1] - offsets[r]} values, expected {listLength}");
        return list.Values;
    }

    // ------------------------------------------------------------ row API

    /// <summary>
    /// Rows as object?[] (selected top-level fields in schema order): scalars as bool, int, long,
    /// float, double, string or byte[]; lists as List&lt;object?&gt;; structs as
    /// Dictionary&lt;string, object?&gt; in field order; maps as List&lt;KeyValuePair&lt;object, object?&gt;&gt;.
    /// </summary>
    public IEnumerable<object?[]> ReadRows(ParquetReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var selected = SelectColumns(options?.Columns);
        var groups = options?.Filters is { Count: > 0 } filters ? RowGroupsMatching(filters).ToArray() : Enumerable.Range(0, RowGroupCount).ToArray();
        foreach (int g in groups)
        {
            var data = ReadSelected(g, selected, cancellationToken);
            var assembler = new RecordAssembler(Schema, data, FileName);
            long rows = GetRowGroupRowCount(g);
            for (long r = 0; r < rows; r++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return assembler.NextRow();
            }
            assembler.CheckFinished();
        }
    }

    /// <summary>Names of the top-level fields <see cref="ReadRows"/> returns for these options, in order.</summary>
    public IReadOnlyList<string> GetRowFieldNames(ParquetReadOptions? options = null)
    {
        var selected = SelectColumns(options?.Columns);
        return Schema.RootNode.Children.Where(n => Array.Exists(n.Leaves, l => selected[l])).Select(n => n.Field.Name).ToArray();
    }

    private bool[] SelectColumns(IReadOnlyList<string>? columns)
    {
        var selected = new bool[Schema.Columns.Count];
        if (columns is null)
        {
            Array.Fill(selected, true);
            return selected;
        }
        foreach (var name in columns)
            foreach (var c in Schema.ColumnsUnder(name)) selected[c.Index] = true;
        return selected;
    }

    private ParquetColumnData?[] ReadSelected(int rowGroup, bool[] selected, CancellationToken ct)
    {
        var data = new ParquetColumnData?[selected.Length];
        var indexes = Enumerable.Range(0, selected.Length).Where(i => selected[i]).ToArray();
        try
        {
            Parallel.ForEach(indexes, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Math.Min(Environment.ProcessorCount, 4) },
                i => data[i] = ReadColumn(rowGroup, Schema.Columns[i], ct));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        return data;
    }

    public void Dispose() => _source.Dispose();
}
