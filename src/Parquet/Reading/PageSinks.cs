using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Schema;
namespace OfflineSafety.Parquet.Reading;

/// <summary>Collects a chunk's levels and compact non-null values into growing arrays.</summary>
internal sealed class LevelSink<T>(ParquetColumn column, int initialCapacity) : PageSink<T>
{
    private T[] _values = Allocate<T>(Math.Max(initialCapacity, 1));
    private short[]? _def = column.MaxDefinitionLevel > 0 ? new short[Math.Max(initialCapacity, 1)] : null;
    private short[]? _rep = column.MaxRepetitionLevel > 0 ? new short[Math.Max(initialCapacity, 1)] : null;
    private int _valueCount, _levelCount;

    public override Span<T> OnPage(ReadOnlySpan<short> rep, ReadOnlySpan<short> def, int nonNull)
    {
        int levels = _def is not null ? def.Length : _rep is not null ? rep.Length : nonNull;
        if (_def is not null)
        {
            Grow(ref _def, _levelCount + levels);
            def.CopyTo(_def.AsSpan(_levelCount));
        }
        if (_rep is not null)
        {
            Grow(ref _rep, _levelCount + levels);
            rep.CopyTo(_rep.AsSpan(_levelCount));
        }
        _levelCount += levels;
        Grow(ref _values, _valueCount + nonNull);
        var span = _values.AsSpan(_valueCount, nonNull);
        _valueCount += nonNull;
        return span;
    }

    public ParquetColumnData Finish()
    {
        Trim(ref _values, _valueCount);
        if (_def is not null) Trim(ref _def, _levelCount);
        if (_rep is not null) Trim(ref _rep, _levelCount);
        return new ParquetColumnData(column, _values, _def, _rep, _levelCount);
    }

    /// <summary>
    /// A value array every slot of which the sink writes (values, or default for nulls), so plain
    /// values skip the zeroing: the scan's output is most of the bytes it touches.
    /// </summary>
    internal static TV[] Allocate<TV>(int length) =>
        RuntimeHelpers.IsReferenceOrContainsReferences<TV>() ? new TV[length] : GC.AllocateUninitializedArray<TV>(length);

    internal static void Grow<TV>(ref TV[] array, int needed)
    {
        if (array.Length >= needed) return;
        Array.Resize(ref array, (int)Math.Min(Array.MaxLength, Math.Max(needed, (long)array.Length * 2)));
    }

    internal static void Trim<TV>(ref TV[] array, int count)
    {
        if (array.Length != count) Array.Resize(ref array, count);
    }
}

/// <summary>
/// Reads a non-repeated column into one slot per row (nulls hold default and are marked in the
/// validity): into an array of its own, or into the caller's memory, which saves the allocation
/// and the first touch of fresh pages when a caller scans row group after row group.
/// </summary>
internal sealed class FlatSink<T> : PageSink<T>
{
    // A footer's row count alone may not size an allocation (a corrupt one could claim billions);
    // up to this many values are allocated at once, beyond it the array grows as pages deliver.
    private const int TrustedRows = 1 << 20;

    private readonly ParquetColumn _column;
    private readonly int _rows;
    private T[]? _owned;
    private Memory<T> _values;
    private bool[]? _validity;
    private int _row;

    public FlatSink(ParquetColumn column, int rows, int initialCapacity)
    {
        _column = column;
        _rows = rows;
        _owned = LevelSink<T>.Allocate<T>(Math.Min(rows, Math.Max(Math.Max(initialCapacity, TrustedRows), 1)));
        _values = _owned;
    }

    /// <summary>Writes into <paramref name="destination"/>, which holds at least <paramref name="rows"/> values.</summary>
    public FlatSink(ParquetColumn column, int rows, Memory<T> destination)
    {
        if (destination.Length < rows) throw new ArgumentException($"the destination holds {destination.Length} values, the row group has {rows} rows", nameof(destination));
        _column = column;
        _rows = rows;
        _values = destination;
    }

    public override Span<T> OnPage(ReadOnlySpan<short> rep, ReadOnlySpan<short> def, int nonNull)
    {
        int n = _column.MaxDefinitionLevel > 0 ? def.Length : nonNull;
        if (n > _rows - _row) throw new ParquetFormatException($"pages hold more than the row group's {_rows} rows");
        if (_owned is not null && _owned.Length < _row + n)
        {
            // Never past the row count, so a full read needs no final trim.
            Array.Resize(ref _owned, (int)Math.Min(_rows, Math.Max(_row + n, 2L * _owned.Length)));
            _values = _owned;
        }
        if (_validity is not null) LevelSink<bool>.Grow(ref _validity, Math.Min(_rows, _values.Length));
        return _values.Span.Slice(_row, nonNull);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void AfterValues(ReadOnlySpan<short> rep, ReadOnlySpan<short> def, int nonNull)
    {
        int n = _column.MaxDefinitionLevel > 0 ? def.Length : nonNull;
        if (nonNull < n)
        {
            // Values were decoded compactly at the front of the page's rows; move each to its row.
            _validity ??= CreateValidity(_row);
            var values = _values.Span;
            short max = (short)_column.MaxDefinitionLevel;
            int src = nonNull - 1;
            for (int k = n - 1; k >= 0; k--)
            {
                bool present = def[k] == max;
                _validity[_row + k] = present;
                values[_row + k] = present ? values[_row + src--] : default!;
            }
        }
        else if (_validity is not null) _validity.AsSpan(_row, n).Fill(true);
        _row += n;
    }

    private bool[] CreateValidity(int filled)
    {
        var v = new bool[Math.Min(_rows, _values.Length)];
        v.AsSpan(0, filled).Fill(true);
        return v;
    }

    /// <summary>Completes a read into the sink's own array, of exactly the row count.</summary>
    public T[] Finish(out bool[]? validity)
    {
        var owned = _owned ?? throw new InvalidOperationException("this sink writes into the caller's memory; use FinishInto");
        FinishInto(out validity);
        LevelSink<T>.Trim(ref owned, _rows);
        return owned;
    }

    /// <summary>Completes a read into the caller's memory; returns the rows written.</summary>
    public int FinishInto(out bool[]? validity)
    {
        CheckComplete();
        if (_validity is not null) LevelSink<bool>.Trim(ref _validity, _rows);
        validity = _validity;
        return _rows;
    }

    private void CheckComplete()
    {
        if (_row != _rows) throw new ParquetFormatException($"pages hold {_row} rows, the row group has {_rows}");
    }
}

/// <summary>
/// Reads a column with one repeated level into flat element values plus row offsets, straight
/// from the levels of each page (no whole-chunk level arrays).
/// </summary>
internal sealed class ListSink<T> : PageSink<T>
{
    private readonly int _rows;
    private readonly short _element;      // an element is present and non-null
    private readonly short _slot;         // an element slot exists (the repeated node is defined)
    private readonly short _empty;        // the list exists but is empty
    private int[] _offsets;
    private bool[]? _validity;
    private bool[]? _elementValidity;
    private T[] _values;
    private int _count;
    private int _row;
    private int _pageStart, _pageElements;

    public ListSink(ParquetColumn column, int rows, int initialCapacity)
    {
        if (column.MaxRepetitionLevel != 1)
            throw new ArgumentException($"column {column.DottedPath} has max repetition level {column.MaxRepetitionLevel}; ReadList needs exactly 1 (use ReadColumn)");
        var repeated = column.Node;
        while (!repeated.IsRepeated) repeated = repeated.Parent!;
        _rows = rows;
        _element = (short)column.MaxDefinitionLevel;
        _slot = (short)repeated.DefinitionLevel;
        _empty = (short)(repeated.DefinitionLevel - 1);
        _offsets = new int[Math.Min(rows, Math.Max(initialCapacity, 1)) + 1];
        _values = LevelSink<T>.Allocate<T>(Math.Max(initialCapacity, 1));
    }

    public override Span<T> OnPage(ReadOnlySpan<short> rep, ReadOnlySpan<short> def, int nonNull)
    {
        int elements = def.IndexOfAnyExcept(_element) < 0 ? MarkRowsAllElements(rep) : MarkRows(rep, def);
        _pageStart = _count;
        _pageElements = elements;
        LevelSink<T>.Grow(ref _values, _count + elements);
        _count += elements;
        return _values.AsSpan(_pageStart, nonNull);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void AfterValues(ReadOnlySpan<short> rep, ReadOnlySpan<short> def, int nonNull)
    {
        if (nonNull == _pageElements)
        {
            if (_elementValidity is not null)
            {
                if (_elementValidity.Length < _pageStart + _pageElements) Array.Resize(ref _elementValidity, _values.Length);
                _elementValidity.AsSpan(_pageStart, _pageElements).Fill(true);
            }
            return;
        }
        // Some elements are null: spread the compact values over the element slots, back to front.
        _elementValidity ??= AllTrue(_values.Length);
        if (_elementValidity.Length < _values.Length) Array.Resize(ref _elementValidity, _values.Length);
        int src = _pageStart + nonNull - 1;
        int dst = _pageStart + _pageElements - 1;
        for (int k = def.Length - 1; k >= 0; k--)
        {
            if (def[k] < _slot) continue;
            bool present = def[k] == _element;
            _elementValidity[dst] = present;
            _values[dst--] = present ? _values[src--] : default!;
        }
    }

    /// <summary>
    /// Common case (no null or empty lists, no null elements): every level is an element and only
    /// row starts need visiting, found by a vectorised search for rep == 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int MarkRowsAllElements(ReadOnlySpan<short> rep)
    {
        // Short lists (a vector per row) put a row start in most 16-level blocks: one comparison
        // per block and a walk over its set bits beats a search call per row.
        ref short r = ref MemoryMarshal.GetReference(rep);
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; k + Vector256<short>.Count <= rep.Length; k += Vector256<short>.Count)
            {
                uint starts = Vector256.Equals(Vector256.LoadUnsafe(ref r, (nuint)k), Vector256<short>.Zero).ExtractMostSignificantBits();
                for (; starts != 0; starts &= starts - 1) StartRow(_count + k + BitOperations.TrailingZeroCount(starts), isNull: false);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; k + Vector128<short>.Count <= rep.Length; k += Vector128<short>.Count)
            {
                uint starts = Vector128.Equals(Vector128.LoadUnsafe(ref r, (nuint)k), Vector128<short>.Zero).ExtractMostSignificantBits();
                for (; starts != 0; starts &= starts - 1) StartRow(_count + k + BitOperations.TrailingZeroCount(starts), isNull: false);
            }
        }
        for (; k < rep.Length; k++)
            if (rep[k] == 0) StartRow(_count + k, isNull: false);
        return rep.Length;
    }

    /// <summary>Visits every level: row starts, null lists, and element slots (present or null).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int MarkRows(ReadOnlySpan<short> rep, ReadOnlySpan<short> def)
    {
        int elements = 0;
        for (int k = 0; k < def.Length; k++)
        {
            if (rep[k] == 0)
            {
                StartRow(_count + elements, isNull: def[k] < _empty);
            }
            if (def[k] >= _slot) elements++;
        }
        return elements;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void StartRow(int offset, bool isNull)
    {
        if (_row + 1 < _offsets.Length && !isNull)
        {
            _offsets[_row++] = offset;
            return;
        }
        StartRowSlow(offset, isNull);
    }

    private void StartRowSlow(int offset, bool isNull)
    {
        if (_row >= _rows) throw new ParquetFormatException($"pages hold more than the row group's {_rows} rows");
        if (_row + 1 >= _offsets.Length)
        {
            LevelSink<int>.Grow(ref _offsets, Math.Min(_rows, _row + 1) + 1);
            if (_validity is not null)
            {
                int old = _validity.Length;
                Array.Resize(ref _validity, _offsets.Length);
                _validity.AsSpan(old).Fill(true);
            }
        }
        _offsets[_row] = offset;
        if (isNull)
        {
            _validity ??= AllTrue(_offsets.Length);
            _validity[_row] = false;
        }
        _row++;
    }

    private static bool[] AllTrue(int n)
    {
        var v = new bool[n];
        v.AsSpan().Fill(true);
        return v;
    }

    public ParquetList<T> Finish()
    {
        if (_row != _rows) throw new ParquetFormatException($"pages hold {_row} rows, the row group has {_rows}");
        LevelSink<int>.Trim(ref _offsets, _rows + 1);
        _offsets[_rows] = _count;
        if (_validity is not null) LevelSink<bool>.Trim(ref _validity, _rows);
        LevelSink<T>.Trim(ref _values, _count);
        if (_elementValidity is not null) LevelSink<bool>.Trim(ref _elementValidity, _count);
        return new ParquetList<T>(_values, _offsets, _validity, _elementValidity);
    }
}
