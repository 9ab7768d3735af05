using System.Buffers;
using System.Runtime.CompilerServices;
using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Parquet.Writing;

/// <summary>
/// Columnar input for <see cref="ParquetFileWriter.WriteBatch"/>: typed buffers for a run of rows,
/// one entry per leaf column. Buffers are referenced, not copied, until the batch is written.
/// Value types: bool, int, long, float, double, string (text BYTE_ARRAY) and byte[] (other byte arrays).
/// </summary>
public sealed class ParquetColumnBatch
{
    private readonly Dictionary<string, BatchColumn> _columns = new(StringComparer.Ordinal);

    public ParquetColumnBatch(int rowCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        RowCount = rowCount;
    }

    public int RowCount { get; }

    internal IReadOnlyDictionary<string, BatchColumn> Columns => _columns;

    /// <summary>
    /// A column with one value per row. For optional columns pass <paramref name="validity"/>
    /// (false = null; the value at that row is ignored), or null references for string/byte[] values.
    /// </summary>
    public ParquetColumnBatch Add<T>(string column, ReadOnlyMemory<T> values, ReadOnlyMemory<bool> validity = default) where T : notnull
    {
        if (values.Length != RowCount) throw new ArgumentException($"column {column}: {values.Length} values for {RowCount} rows", nameof(values));
        if (!validity.IsEmpty && validity.Length != RowCount) throw new ArgumentException($"column {column}: validity has {validity.Length} entries for {RowCount} rows", nameof(validity));
        return Put(column, new FlatColumn<T>(values, validity));
    }

    /// <summary>
    /// A LIST column from flat element values and row offsets (row i holds values[offsets[i]..offsets[i+1]]);
    /// <paramref name="validity"/> marks null lists (an empty range is an empty list).
    /// </summary>
    public ParquetColumnBatch AddList<T>(string column, ReadOnlyMemory<T> values, ReadOnlyMemory<int> offsets, ReadOnlyMemory<bool> validity = default) where T : notnull
    {
        if (offsets.Length != RowCount + 1) throw new ArgumentException($"column {column}: {offsets.Length} offsets for {RowCount} rows (need rows + 1)", nameof(offsets));
        var o = offsets.Span;
        for (int i = 0; i < RowCount; i++)
            if (o[i + 1] < o[i]) throw new ArgumentException($"column {column}: offsets decrease at row {i}", nameof(offsets));
        if (RowCount > 0 && (o[0] < 0 || o[RowCount] > values.Length)) throw new ArgumentException($"column {column}: offsets run outside the {values.Length} values", nameof(offsets));
        if (!validity.IsEmpty && validity.Length != RowCount) throw new ArgumentException($"column {column}: validity has {validity.Length} entries for {RowCount} rows", nameof(validity));
        return Put(column, new ListColumn<T>(values, offsets, validity, 0));
    }

    /// <summary>A LIST column whose every row holds exactly <paramref name="listLength"/> values (row-major).</summary>
    public ParquetColumnBatch AddFixedSizeList<T>(string column, ReadOnlyMemory<T> values, int listLength) where T : notnull
    {
        ArgumentOutOfRangeException.ThrowIfNegative(listLength);
        if ((long)listLength * RowCount != values.Length)
            throw new ArgumentException($"column {column}: {values.Length} values is not {RowCount} rows of {listLength}", nameof(values));
        return Put(column, new ListColumn<T>(values, default, default, listLength));
    }

    /// <summary>
    /// Any column from its Dremel levels: the non-null leaf values in order, plus definition levels
    /// (empty when the column's max definition level is 0) and repetition levels (empty when its max repetition level is 0).
    /// </summary>
    public ParquetColumnBatch AddLeveled<T>(string column, ReadOnlyMemory<T> values, ReadOnlyMemory<short> definitionLevels, ReadOnlyMemory<short> repetitionLevels) where T : notnull =>
        Put(column, new LeveledColumn<T>(values, definitionLevels, repetitionLevels));

    private ParquetColumnBatch Put(string column, BatchColumn entry)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (!_columns.TryAdd(column, entry)) throw new ArgumentException($"column {column} added twice", nameof(column));
        return this;
    }
}

/// <summary>One column of a batch; turns its buffers into levels and values for a chunk writer.</summary>
internal abstract class BatchColumn
{
    /// <summary>Rows are handed to the chunk writer this many at a time so temporary level buffers stay small.</summary>
    protected const int RowsPerStep = 16384;

    public abstract Type ValueType { get; }

    public abstract void AppendTo(ColumnChunkWriter writer, int rowCount);

    protected static ColumnChunkWriter<T> Typed<T>(ColumnChunkWriter writer) where T : notnull =>
        writer as ColumnChunkWriter<T> ?? throw new ArgumentException(
            $"column {writer.Column.DottedPath} holds {writer.Column.ValueType.Name} values, not {typeof(T).Name}");

    protected static bool IsNull<T>(T value) => value is null;
}

/// <summary>A batch column that can hand over a window of its rows.</summary>
internal interface ISliceable
{
    BatchColumn Slice(int rowStart, int rowCount);
}

internal sealed class FlatColumn<T>(ReadOnlyMemory<T> values, ReadOnlyMemory<bool> validity) : BatchColumn, ISliceable where T : notnull
{
    public BatchColumn Slice(int rowStart, int rowCount) =>
        new FlatColumn<T>(values.Slice(rowStart, rowCount), validity.IsEmpty ? default : validity.Slice(rowStart, rowCount));

    public override Type ValueType => typeof(T);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void AppendTo(ColumnChunkWriter writer, int rowCount)
    {
        var w = Typed<T>(writer);
        var column = writer.Column;
        if (column.MaxRepetitionLevel != 0) throw new ArgumentException($"column {column.DottedPath} is repeated; add it with AddList or AddLeveled");
        var v = values.Span;
        var valid = validity.Span;
        bool referenceType = !typeof(T).IsValueType;
        if (column.MaxDefinitionLevel == 0)
        {
            if (!valid.IsEmpty && valid.Contains(false)) throw new ArgumentException($"column {column.DottedPath} is required but has nulls");
            if (referenceType)
                foreach (var x in v)
                    if (IsNull(x)) throw new ArgumentException($"column {column.DottedPath} is required but has nulls");
            w.Append(default, default, v);
            return;
        }
        short present = (short)column.MaxDefinitionLevel, absent = (short)(column.MaxDefinitionLevel - 1);
        var def = ArrayPool<short>.Shared.Rent(Math.Min(rowCount, RowsPerStep));
        var packed = ArrayPool<T>.Shared.Rent(Math.Min(rowCount, RowsPerStep));
        try
        {
            for (int start = 0; start < rowCount; start += RowsPerStep)
            {
                int n = Math.Min(RowsPerStep, rowCount - start);
                int count = 0;
                for (int i = 0; i < n; i++)
                {
                    var x = v[start + i];
                    bool ok = (valid.IsEmpty || valid[start + i]) && !(referenceType && IsNull(x));
                    def[i] = ok ? present : absent;
                    if (ok) packed[count++] = x;
                }
                w.Append(default, def.AsSpan(0, n), packed.AsSpan(0, count));
            }
        }
        finally
        {
            ArrayPool<short>.Shared.Return(def);
            ArrayPool<T>.Shared.Return(packed, referenceType);
        }
    }
}

internal sealed class ListColumn<T>(ReadOnlyMemory<T> values, ReadOnlyMemory<int> offsets, ReadOnlyMemory<bool> validity, int fixedLength)
    : BatchColumn, ISliceable where T : notnull
{
    public override Type ValueType => typeof(T);

    public BatchColumn Slice(int rowStart, int rowCount) => offsets.IsEmpty
        ? new ListColumn<T>(values.Slice(rowStart * fixedLength, rowCount * fixedLength), default, default, fixedLength)
        : new ListColumn<T>(values, offsets.Slice(rowStart, rowCount + 1), validity.IsEmpty ? default : validity.Slice(rowStart, rowCount), 0);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void AppendTo(ColumnChunkWriter writer, int rowCount)
    {
        var w = Typed<T>(writer);
        var column = writer.Column;
        if (column.MaxRepetitionLevel != 1)
            throw new ArgumentException($"column {column.DottedPath} has max repetition level {column.MaxRepetitionLevel}; a list column needs 1 (use AddLeveled for deeper nesting)");
        // Levels of the list: the repeated node's definition level means "an element is here";
        // one less means "empty list"; one less again (if the list itself is optional) means "null list".
        var repeated = column.Node;
        while (!repeated.IsRepeated) repeated = repeated.Parent!;
        short element = (short)column.MaxDefinitionLevel;
        short empty = (short)(repeated.DefinitionLevel - 1);
        var listNode = repeated.Parent!;
        bool listOptional = listNode.Field.Repetition == ParquetRepetition.Optional;
        short nullList = (short)(empty - 1);
        var v = values.Span;
        var valid = validity.Span;
        bool fixedSize = offsets.IsEmpty;
        var off = offsets.Span;
        if (!valid.IsEmpty && !listOptional && valid.Contains(false))
            throw new ArgumentException($"column {column.DottedPath}: the list is required but validity marks nulls");
        if (!typeof(T).IsValueType)
            foreach (var x in fixedSize ? v : v[off[0]..off[rowCount]])
                if (IsNull(x)) throw new ArgumentException($"column {column.DottedPath}: null list elements are not supported by AddList (use AddLeveled)");

        int maxLevels = fixedSize ? Math.Max(1, fixedLength) * Math.Min(rowCount, RowsPerStep) : 0;
        short[] rep = [], def = [];
        try
        {
            if (fixedSize)
            {
                // Every step has the same level pattern: build it once.
                rep = ArrayPool<short>.Shared.Rent(maxLevels);
                def = ArrayPool<short>.Shared.Rent(maxLevels);
                int rows = Math.Min(rowCount, RowsPerStep);
                FillFixed(rep, def, rows, fixedLength, element, empty);
                for (int start = 0; start < rowCount; start += RowsPerStep)
                {
                    int n = Math.Min(RowsPerStep, rowCount - start);
                    int levels = fixedLength == 0 ? n : n * fixedLength;
                    w.Append(rep.AsSpan(0, levels), def.AsSpan(0, levels), v.Slice(start * fixedLength, n * fixedLength));
                }
                return;
            }
            for (int start = 0; start < rowCount; start += RowsPerStep)
            {
                int n = Math.Min(RowsPerStep, rowCount - start);
                int levels = 0;
                for (int r = start; r < start + n; r++) levels += Math.Max(1, off[r + 1] - off[r]);
                Rent(ref rep, levels);
                Rent(ref def, levels);
                int l = 0;
                int valueStart = off[start];
                for (int r = start; r < start + n; r++)
                {
                    int len = off[r + 1] - off[r];
                    if (!valid.IsEmpty && !valid[r])
                    {
                        rep[l] = 0;
                        def[l++] = nullList;
                        if (len != 0) throw new ArgumentException($"column {column.DottedPath}: row {r} is null but its offsets hold {len} values");
                        continue;
                    }
                    if (len == 0)
                    {
                        rep[l] = 0;
                        def[l++] = empty;
                        continue;
                    }
                    rep[l] = 0;
                    def[l++] = element;
                    for (int k = 1; k < len; k++)
                    {
                        rep[l] = 1;
                        def[l++] = element;
                    }
                }
                w.Append(rep.AsSpan(0, l), def.AsSpan(0, l), v[valueStart..off[start + n]]);
            }
        }
        finally
        {
            if (rep.Length > 0) ArrayPool<short>.Shared.Return(rep);
            if (def.Length > 0) ArrayPool<short>.Shared.Return(def);
        }
    }

    private static void FillFixed(short[] rep, short[] def, int rows, int length, short element, short empty)
    {
        if (length == 0)
        {
            rep.AsSpan(0, rows).Clear();
            def.AsSpan(0, rows).Fill(empty);
            return;
        }
        rep.AsSpan(0, rows * length).Fill(1);
        for (int r = 0; r < rows; r++) rep[r * length] = 0;
        def.AsSpan(0, rows * length).Fill(element);
    }

    private static void Rent(ref short[] array, int size)
    {
        if (array.Length >= size) return;
        if (array.Length > 0) ArrayPool<short>.Shared.Return(array);
        array = ArrayPool<short>.Shared.Rent(size);
    }
}

internal sealed class LeveledColumn<T>(ReadOnlyMemory<T> values, ReadOnlyMemory<short> definitionLevels, ReadOnlyMemory<short> repetitionLevels)
    : BatchColumn where T : notnull
{
    public override Type ValueType => typeof(T);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void AppendTo(ColumnChunkWriter writer, int rowCount)
    {
        var column = writer.Column;
        var rep = repetitionLevels.Span;
        var def = definitionLevels.Span;
        if (column.MaxRepetitionLevel == 0 && !rep.IsEmpty) throw new ArgumentException($"column {column.DottedPath} is not repeated but repetition levels were given");
        if (column.MaxDefinitionLevel == 0 && !def.IsEmpty) throw new ArgumentException($"column {column.DottedPath} is required but definition levels were given");
        int levels = column.MaxDefinitionLevel > 0 ? def.Length : column.MaxRepetitionLevel > 0 ? rep.Length : values.Length;
        int rows = column.MaxRepetitionLevel > 0 ? rep.Count((short)0) : levels;
        if (rows != rowCount) throw new ArgumentException($"column {column.DottedPath}: levels describe {rows} rows, the batch has {rowCount}");
        Typed<T>(writer).Append(rep, def, values.Span);
    }
}
