using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Parquet.Reading;

/// <summary>
/// One leaf column of one row group as Dremel levels plus its non-null values, in order.
/// <see cref="Values"/> is a bool[], int[], long[], float[], double[], string[] or byte[][]
/// (see <see cref="ParquetColumn.ValueType"/>).
/// </summary>
public sealed class ParquetColumnData
{
    internal ParquetColumnData(ParquetColumn column, Array values, short[]? definitionLevels, short[]? repetitionLevels, int levelCount)
    {
        Column = column;
        Values = values;
        DefinitionLevels = definitionLevels;
        RepetitionLevels = repetitionLevels;
        LevelCount = levelCount;
    }

    public ParquetColumn Column { get; }

    /// <summary>The non-null leaf values in order (exactly <see cref="ValueCount"/> long).</summary>
    public Array Values { get; }

    public int ValueCount => Values.Length;

    /// <summary>One per level entry; null when the column's max definition level is 0 (every entry is a value).</summary>
    public short[]? DefinitionLevels { get; }

    /// <summary>One per level entry; null when the column is not repeated (every entry starts a row).</summary>
    public short[]? RepetitionLevels { get; }

    /// <summary>Number of level entries (the row count for non-repeated columns).</summary>
    public int LevelCount { get; }

    /// <summary>The values as their typed array; throws if <typeparamref name="T"/> is not the column's value type.</summary>
    public T[] GetValues<T>() => Values as T[]
        ?? throw new InvalidCastException($"column {Column.DottedPath} holds {Column.ValueType.Name} values, not {typeof(T).Name}");
}

/// <summary>
/// A LIST (or other singly-repeated) column of one row group: row i holds
/// <c>Values[Offsets[i]..Offsets[i+1]]</c>. <see cref="Validity"/> is null when no list is null;
/// <see cref="ElementValidity"/> is null when no element is null (null elements hold default values).
/// </summary>
public sealed record ParquetList<T>(T[] Values, int[] Offsets, bool[]? Validity, bool[]? ElementValidity)
{
    public int RowCount => Offsets.Length - 1;

    public ReadOnlySpan<T> Row(int row) => Values.AsSpan(Offsets[row], Offsets[row + 1] - Offsets[row]);
}
