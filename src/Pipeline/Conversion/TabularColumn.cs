namespace OfflineSafety.Pipeline.Conversion;

/// <summary>
/// The values of one column for one block of rows, typed by its <see cref="TabularField"/>.
/// A scalar column has one value slot per row; a list column has per-row item ranges
/// (<see cref="Offsets"/>) into the value slots. Buffers are reused across blocks.
/// </summary>
public sealed class TabularColumn
{
    private long[] _int64s = [];
    private double[] _doubles = [];
    private bool[] _booleans = [];
    // Null entries mark null strings (the codec's batches take nulls in reference-typed columns).
    private string[] _strings = [];
    private bool[] _valuePresent = [];
    private bool[] _rowPresent = [];
    private int[] _offsets = [0];

    public TabularColumn(TabularField field) => Field = field;

    public TabularField Field { get; }
    public int RowCount { get; private set; }
    public int ValueCount { get; private set; }

    public ReadOnlyMemory<long> Int64s => _int64s.AsMemory(0, ValueCount);
    public ReadOnlyMemory<double> Doubles => _doubles.AsMemory(0, ValueCount);
    public ReadOnlyMemory<bool> Booleans => _booleans.AsMemory(0, ValueCount);
    public ReadOnlyMemory<string> Strings => _strings.AsMemory(0, ValueCount);
    /// <summary>Per value slot: false where the value (or list item) is null.</summary>
    public ReadOnlyMemory<bool> ValuePresent => _valuePresent.AsMemory(0, ValueCount);
    /// <summary>Per row: false where the row's value (or whole list) is null.</summary>
    public ReadOnlyMemory<bool> RowPresent => _rowPresent.AsMemory(0, RowCount);
    /// <summary>List columns only: row r's items are value slots Offsets[r] .. Offsets[r+1].</summary>
    public ReadOnlyMemory<int> Offsets => _offsets.AsMemory(0, RowCount + 1);

    public void Clear()
    {
        RowCount = 0;
        ValueCount = 0;
        Array.Clear(_strings); // drop references so a block does not keep old strings alive
    }

    /// <summary>A null row (a null scalar, or a null list).</summary>
    public void AddNullRow()
    {
        if (!Field.IsList) AddNullValue();
        EndRow(present: false);
    }

    /// <summary>Closes a row whose values (one for a scalar, the items for a list) were added.</summary>
    public void EndRow(bool present = true)
    {
        EnsureRows(RowCount + 1);
        _rowPresent[RowCount] = present;
        RowCount++;
        _offsets[RowCount] = ValueCount;
    }

    // Slot() may grow the arrays, so it runs before the array is read.
    public void AddNullValue() => Slot(present: false);
    public void AddInt64(long value) { int i = Slot(); _int64s[i] = value; }
    public void AddDouble(double value) { int i = Slot(); _doubles[i] = value; }
    public void AddBoolean(bool value) { int i = Slot(); _booleans[i] = value; }
    public void AddString(string value) { int i = Slot(); _strings[i] = value; }

    private int Slot(bool present = true)
    {
        if (ValueCount == _valuePresent.Length) GrowValues();
        _valuePresent[ValueCount] = present;
        return ValueCount++;
    }

    private void GrowValues()
    {
        int capacity = Math.Max(16, _valuePresent.Length * 2);
        Array.Resize(ref _valuePresent, capacity);
        switch (Field.Kind)
        {
            case TabularKind.Int64: Array.Resize(ref _int64s, capacity); break;
            case TabularKind.Double: Array.Resize(ref _doubles, capacity); break;
            case TabularKind.Boolean: Array.Resize(ref _booleans, capacity); break;
            default: Array.Resize(ref _strings, capacity); break;
        }
    }

    private void EnsureRows(int rows)
    {
        if (rows < _rowPresent.Length) return;
        int capacity = Math.Max(16, Math.Max(rows + 1, _rowPresent.Length * 2));
        Array.Resize(ref _rowPresent, capacity);
        Array.Resize(ref _offsets, capacity + 1);
    }
}
