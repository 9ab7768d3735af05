using System.Runtime.ExceptionServices;
using OfflineSafety.Parquet.Encodings;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Thrift;

namespace OfflineSafety.Parquet.Writing;

/// <summary>
/// Writes a Parquet file to a stream, one row group at a time: data arrives as columnar batches
/// (<see cref="WriteBatch"/>) or rows (<see cref="WriteRow"/>), is encoded into compressed pages in
/// memory, and a row group is written out once it reaches <see cref="ParquetWriteOptions.RowGroupSizeBytes"/>.
/// So memory stays near one row group whatever the file size. <see cref="Dispose"/> writes the footer.
/// </summary>
public sealed class ParquetFileWriter : IDisposable
{
    private static ReadOnlySpan<byte> Magic => "PAR1"u8;

    /// <summary>Large batches are appended in windows of this many rows so row groups can close between them.</summary>
    private const int BatchWindowRows = 16384;
    /// <summary>Rows shredded by the row API are handed to the column writers this many at a time.</summary>
    private const int RowFlushRows = 4096;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly ParquetWriteOptions _options;
    private readonly ColumnChunkWriter[] _columns;
    private readonly List<ParquetRowGroupMetadata> _rowGroups = [];
    private readonly List<KeyValuePair<string, string?>> _metadata = [];
    private readonly RowShredder _shredder;
    private long _position;
    private long _rowGroupRows, _totalRows;
    private bool _faulted, _closed;

    public ParquetFileWriter(Stream stream, ParquetSchema schema, ParquetWriteOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(schema);
        if (!stream.CanWrite) throw new ArgumentException("stream is not writable", nameof(stream));
        _options = options ?? new ParquetWriteOptions();
        if (_options.DataPageVersion is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(options), "DataPageVersion must be 1 or 2");
        if (!Compression.PageCompression.CanWrite(_options.Compression))
            throw new NotSupportedException($"writing compression codec {_options.Compression} is not supported (use SNAPPY, ZSTD, LZ4_RAW, GZIP, BROTLI or UNCOMPRESSED)");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.PageSizeBytes, 1024, nameof(options));
        Schema = schema;
        _stream = stream;
        _ownsStream = !leaveOpen;
        if (_options.ColumnEncodings is { } enc)
            foreach (var key in enc.Keys)
                if (!schema.TryGetColumn(key, out _)) throw new ArgumentException($"ColumnEncodings names unknown column '{key}'", nameof(options));
        _columns = schema.Columns.Select(c => ColumnChunkWriter.Create(c, _options)).ToArray();
        _shredder = new RowShredder(schema);
        if (_options.Metadata is { } md)
            foreach (var kv in md) SetMetadata(kv.Key, kv.Value);
        _stream.Write(Magic);
        _position = Magic.Length;
    }

    /// <summary>Creates (overwrites) a file at <paramref name="path"/>.</summary>
    public static ParquetFileWriter Create(string path, ParquetSchema schema, ParquetWriteOptions? options = null) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16), schema, options);

    public ParquetSchema Schema { get; }

    /// <summary>Rows accepted so far (written or buffered).</summary>
    public long RowCount => _totalRows + _rowGroupRows + _shredder.BufferedRows;

    public int RowGroupCount => _rowGroups.Count;

    /// <summary>Sets a footer key/value entry (replacing an earlier value for the key).</summary>
    public void SetMetadata(string key, string? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        int i = _metadata.FindIndex(kv => kv.Key == key);
        if (i >= 0) _metadata[i] = new(key, value);
        else _metadata.Add(new(key, value));
    }

    /// <summary>
    /// Appends a columnar batch: every leaf column must be present (by dotted path, or by top-level
    /// field name for single-leaf fields). Columns are encoded in parallel.
    /// </summary>
    public void WriteBatch(ParquetColumnBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        CheckOpen();
        var perColumn = new BatchColumn[_columns.Length];
        foreach (var (name, entry) in batch.Columns)
        {
            var column = Schema.Column(name);
            if (perColumn[column.Index] is not null) throw new ArgumentException($"column {column.DottedPath} given twice in the batch");
            if (entry.ValueType != column.ValueType)
                throw new ArgumentException($"column {column.DottedPath} holds {column.ValueType.Name} values, the batch gives {entry.ValueType.Name}");
            perColumn[column.Index] = entry;
        }
        for (int i = 0; i < perColumn.Length; i++)
            if (perColumn[i] is null) throw new ArgumentException($"batch lacks column {_columns[i].Column.DottedPath}");
        FlushShreddedRows();
        if (batch.RowCount == 0) return;

        // Windows also end where the open row group reaches MaxRowGroupRows, so that limit is exact.
        bool sliceable = Array.TrueForAll(perColumn, c => c is ISliceable);
        for (int start = 0; start < batch.RowCount;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int rows = batch.RowCount - start;
            if (sliceable) rows = (int)Math.Min(Math.Min(rows, BatchWindowRows), Math.Max(1, _options.MaxRowGroupRows - _rowGroupRows));
            bool sliced = rows < batch.RowCount;
            int from = start;
            var parts = sliced ? perColumn.Select(c => ((ISliceable)c).Slice(from, rows)).ToArray() : perColumn;
            Faulting(() => AppendParallel(parts, rows, cancellationToken));
            _rowGroupRows += rows;
            start += rows;
            if (RowGroupFull()) FlushRowGroup();
        }
    }

    private void AppendParallel(BatchColumn[] parts, int rows, CancellationToken ct)
    {
        var po = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism, CancellationToken = ct };
        try
        {
            Parallel.For(0, parts.Length, po, i => parts[i].AppendTo(_columns[i], rows));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>Appends one row (one value per top-level field; see <see cref="ParquetFileReader.ReadRows"/> for value shapes).</summary>
    public void WriteRow(object?[] row)
    {
        CheckOpen();
        _shredder.Add(row, RowCount);
        if (_shredder.BufferedRows >= RowFlushRows || _rowGroupRows + _shredder.BufferedRows >= _options.MaxRowGroupRows)
        {
            FlushShreddedRows();
            if (RowGroupFull()) FlushRowGroup();
        }
    }

    public void WriteRows(IEnumerable<object?[]> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            WriteRow(row);
        }
    }

    private void FlushShreddedRows()
    {
        if (_shredder.BufferedRows == 0) return;
        int rows = _shredder.BufferedRows;
        Faulting(() => _shredder.FlushTo(_columns));
        _rowGroupRows += rows;
    }

    private bool RowGroupFull()
    {
        if (_rowGroupRows >= _options.MaxRowGroupRows) return true;
        long bytes = 0;
        foreach (var c in _columns) bytes += c.BufferedBytes;
        return bytes >= _options.RowGroupSizeBytes;
    }

    /// <summary>Closes the open row group now (if it has rows) and writes it out.</summary>
    public void FlushRowGroup()
    {
        CheckOpen();
        FlushShreddedRows();
        if (_rowGroupRows == 0) return;
        Faulting(() =>
        {
            long start = _position;
            var chunks = new ParquetColumnChunkMetadata[_columns.Length];
            long uncompressed = 0;
            for (int i = 0; i < _columns.Length; i++)
            {
                chunks[i] = _columns[i].WriteTo(_stream, _position);
                _position += chunks[i].TotalCompressedSize;
                uncompressed += chunks[i].TotalUncompressedSize;
            }
            _rowGroups.Add(new ParquetRowGroupMetadata
            {
                Columns = chunks,
                NumRows = _rowGroupRows,
                TotalByteSize = uncompressed,
                FileOffset = start,
                TotalCompressedSize = _position - start,
                Ordinal = _rowGroups.Count <= short.MaxValue ? (short)_rowGroups.Count : null,
            });
        });
        _totalRows += _rowGroupRows;
        _rowGroupRows = 0;
    }

    /// <summary>Writes the last row group and the footer. Called by <see cref="Dispose"/>; idempotent.</summary>
    public void Close()
    {
        if (_closed) return;
        if (_faulted)
        {
            _closed = true;
            return;
        }
        FlushRowGroup();
        var meta = new ParquetFileMetadata
        {
            Version = 1,
            NumRows = _totalRows,
            RowGroups = _rowGroups,
            KeyValueMetadata = _metadata,
            CreatedBy = _options.CreatedBy,
            Schema = SchemaCodec.ToElements(Schema),
            ColumnOrderCount = _columns.Length,
        };
        using var footer = new PooledBuffer(1 << 12);
        MetadataCodec.WriteFileMetadata(new ThriftCompactWriter(footer), meta);
        _stream.Write(footer.WrittenSpan);
        Span<byte> tail = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(tail, footer.Length);
        Magic.CopyTo(tail[4..]);
        _stream.Write(tail);
        _stream.Flush();
        _closed = true;
    }

    public void Dispose()
    {
        try
        {
            Close();
        }
        finally
        {
            foreach (var c in _columns) c.Dispose();
            if (_ownsStream) _stream.Dispose();
        }
    }

    private void CheckOpen()
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (_faulted) throw new InvalidOperationException("an earlier write failed part-way; this Parquet writer cannot continue (the file is incomplete)");
    }

    private void Faulting(Action action)
    {
        try
        {
            action();
        }
        catch
        {
            _faulted = true;
            throw;
        }
    }
}
