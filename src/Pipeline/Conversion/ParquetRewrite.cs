using OfflineSafety.Errors;
using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Pipeline.Conversion;

/// <summary>Parquet to Parquet: the same schema and values, re-encoded with new write options.</summary>
public static class ParquetRewrite
{
    public static ParquetSchema SchemaOf(string input)
    {
        using var reader = ParquetFileReader.Open(input);
        return reader.Schema;
    }

    /// <summary>
    /// Copies every row group column by column as levels and values, so any nesting survives
    /// unchanged, in slices of at most <paramref name="rowsPerBatch"/> rows so the writer can
    /// honour a smaller row-group size than the input's.
    /// </summary>
    public static long CopyRows(string input, ParquetFileWriter writer, int rowsPerBatch, CancellationToken ct)
    {
        using var reader = ParquetFileReader.Open(input);
        foreach (var (key, value) in reader.Metadata.KeyValueMetadata) writer.SetMetadata(key, value);
        var columns = reader.Schema.Columns;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            int rows = checked((int)reader.GetRowGroupRowCount(g));
            var data = columns.Select(c => reader.ReadColumn(g, c, ct)).ToArray();
            var bounds = data.Select(d => new RowBounds(d, rows)).ToArray();
            for (int first = 0; first < rows; first += rowsPerBatch)
            {
                ct.ThrowIfCancellationRequested();
                int count = Math.Min(rowsPerBatch, rows - first);
                var batch = new ParquetColumnBatch(count);
                for (int c = 0; c < columns.Count; c++) AddSlice(batch, columns[c], data[c], bounds[c], first, count, input);
                writer.WriteBatch(batch, ct);
            }
        }
        return reader.RowCount;
    }

    private static void AddSlice(ParquetColumnBatch batch, ParquetColumn column, ParquetColumnData data, RowBounds bounds,
        int firstRow, int rowCount, string input)
    {
        var (levels, levelCount) = bounds.Levels(firstRow, rowCount);
        var (values, valueCount) = bounds.Values(firstRow, rowCount);
        ReadOnlyMemory<short> def = data.DefinitionLevels is { } d ? d.AsMemory(levels, levelCount) : default;
        ReadOnlyMemory<short> rep = data.RepetitionLevels is { } r ? r.AsMemory(levels, levelCount) : default;
        string name = column.DottedPath;
        switch (data.Values)
        {
            case bool[] v: batch.AddLeveled<bool>(name, v.AsMemory(values, valueCount), def, rep); break;
            case int[] v: batch.AddLeveled<int>(name, v.AsMemory(values, valueCount), def, rep); break;
            case long[] v: batch.AddLeveled<long>(name, v.AsMemory(values, valueCount), def, rep); break;
            case float[] v: batch.AddLeveled<float>(name, v.AsMemory(values, valueCount), def, rep); break;
            case double[] v: batch.AddLeveled<double>(name, v.AsMemory(values, valueCount), def, rep); break;
            case string[] v: batch.AddLeveled<string>(name, v.AsMemory(values, valueCount), def, rep); break;
            case byte[][] v: batch.AddLeveled<byte[]>(name, v.AsMemory(values, valueCount), def, rep); break;
            default: throw new BadInputException($"{input}: column {name}: cannot copy {data.Values.GetType().Name} values");
        }
    }

    /// <summary>Where each row starts among a column's level entries and among its non-null values.</summary>
    private sealed class RowBounds
    {
        private readonly int[] _levelStart;
        private readonly int[] _valueStart;

        public RowBounds(ParquetColumnData data, int rows)
        {
            _levelStart = new int[rows + 1];
            _valueStart = new int[rows + 1];
            var rep = data.RepetitionLevels;
            var def = data.DefinitionLevels;
            int maxDef = data.Column.MaxDefinitionLevel;
            int row = -1, value = 0;
            for (int level = 0; level < data.LevelCount; level++)
            {
                if (rep is null || rep[level] == 0)
                {
                    row++;
                    _levelStart[row] = level;
                    _valueStart[row] = value;
                }
                if (def is null || def[level] == maxDef) value++;
            }
            _levelStart[rows] = data.LevelCount;
            _valueStart[rows] = value;
        }

        public (int Start, int Count) Levels(int firstRow, int rowCount) =>
            (_levelStart[firstRow], _levelStart[firstRow + rowCount] - _levelStart[firstRow]);

        public (int Start, int Count) Values(int firstRow, int rowCount) =>
            (_valueStart[firstRow], _valueStart[firstRow + rowCount] - _valueStart[firstRow]);
    }
}
