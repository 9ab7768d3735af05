using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Pipeline.Conversion;

/// <summary>
/// Writes the column blocks of a tabular source as Parquet: every column optional (CSV and JSON
/// lines have nulls anywhere), lists in the standard three-level form with optional elements.
/// </summary>
public static class TabularParquetWriter
{
    public static ParquetSchema SchemaFor(TabularSchema schema) =>
        new(schema.Fields.Select(FieldFor).ToList());

    private static ParquetField FieldFor(TabularField field)
    {
        ParquetField Scalar(string name) => field.Kind switch
        {
            TabularKind.Int64 => ParquetField.Int64(name, optional: true),
            TabularKind.Double => ParquetField.Double(name, optional: true),
            TabularKind.Boolean => ParquetField.Boolean(name, optional: true),
            _ => ParquetField.String(name, optional: true),
        };
        return field.IsList ? ParquetField.List(field.Name, Scalar("element"), optional: true) : Scalar(field.Name);
    }

    /// <summary>Copies every row of <paramref name="source"/> into <paramref name="writer"/>, one block at a time.</summary>
    public static long Write(ITabularSource source, TabularSchema schema, ParquetFileWriter writer, int rowsPerBlock, CancellationToken ct)
    {
        var columns = schema.Fields.Select(f => new TabularColumn(f)).ToList();
        var levels = new ListLevels();
        long total = 0;
        using var blocks = source.OpenBlocks(schema);
        int rows;
        while ((rows = blocks.ReadBlock(columns, rowsPerBlock, ct)) > 0)
        {
            var batch = new ParquetColumnBatch(rows);
            foreach (var column in columns)
            {
                if (column.Field.IsList) levels.AddTo(batch, column);
                else AddScalar(batch, column);
            }
            writer.WriteBatch(batch, ct);
            levels.Reset();
            total += rows;
        }
        return total;
    }

    private static void AddScalar(ParquetColumnBatch batch, TabularColumn column)
    {
        string name = column.Field.Name;
        switch (column.Field.Kind)
        {
            case TabularKind.Int64: batch.Add(name, column.Int64s, column.RowPresent); break;
            case TabularKind.Double: batch.Add(name, column.Doubles, column.RowPresent); break;
            case TabularKind.Boolean: batch.Add(name, column.Booleans, column.RowPresent); break;
            default: batch.Add(name, column.Strings, column.RowPresent); break;
        }
    }

    /// <summary>
    /// Dremel levels of optional lists of optional items (max definition level 3): 0 a null list,
    /// 1 an empty list, 2 a null item, 3 an item; repetition 1 marks items after a row's first.
    /// Level arrays live until the batch is written, then are reused for the next block.
    /// </summary>
    private sealed class ListLevels
    {
        private readonly List<(short[] Def, short[] Rep)> _inUse = [];
        private readonly Stack<(short[] Def, short[] Rep)> _free = new();

        public void Reset()
        {
            foreach (var arrays in _inUse) _free.Push(arrays);
            _inUse.Clear();
        }

        public void AddTo(ParquetColumnBatch batch, TabularColumn column)
        {
            var rowPresent = column.RowPresent.Span;
            var offsets = column.Offsets.Span;
            var valuePresent = column.ValuePresent.Span;
            int entries = 0;
            for (int r = 0; r < column.RowCount; r++) entries += Math.Max(1, offsets[r + 1] - offsets[r]);
            var (def, rep) = Rent(entries);
            int e = 0;
            for (int r = 0; r < column.RowCount; r++)
            {
                int start = offsets[r], end = offsets[r + 1];
                if (!rowPresent[r] || start == end)
                {
                    def[e] = (short)(rowPresent[r] ? 1 : 0);
                    rep[e++] = 0;
                    continue;
                }
                for (int i = start; i < end; i++)
                {
                    def[e] = (short)(valuePresent[i] ? 3 : 2);
                    rep[e++] = (short)(i == start ? 0 : 1);
                }
            }
            var defMemory = def.AsMemory(0, e);
            var repMemory = rep.AsMemory(0, e);
            string name = column.Field.Name;
            switch (column.Field.Kind)
            {
                case TabularKind.Int64: batch.AddLeveled(name, Present(column.Int64s, valuePresent), defMemory, repMemory); break;
                case TabularKind.Double: batch.AddLeveled(name, Present(column.Doubles, valuePresent), defMemory, repMemory); break;
                case TabularKind.Boolean: batch.AddLeveled(name, Present(column.Booleans, valuePresent), defMemory, repMemory); break;
                default: batch.AddLeveled(name, Present(column.Strings, valuePresent), defMemory, repMemory); break;
            }
        }

        // Leveled input carries only the non-null items.
        private static ReadOnlyMemory<T> Present<T>(ReadOnlyMemory<T> values, ReadOnlySpan<bool> present)
        {
            if (!present.Contains(false)) return values;
            var packed = new T[values.Length];
            int n = 0;
            var v = values.Span;
            for (int i = 0; i < v.Length; i++)
                if (present[i]) packed[n++] = v[i];
            return packed.AsMemory(0, n);
        }

        private (short[] Def, short[] Rep) Rent(int entries)
        {
            var arrays = _free.Count > 0 ? _free.Pop() : ([], []);
            if (arrays.Def.Length < entries) arrays = (new short[entries], new short[entries]);
            _inUse.Add(arrays);
            return arrays;
        }
    }
}
