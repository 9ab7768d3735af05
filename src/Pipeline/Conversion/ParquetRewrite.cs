using OfflineSafety.Ingest.Parquet;

namespace OfflineSafety.Pipeline.Conversion;

/// <summary>Parquet to Parquet: the same schema and values, re-encoded with new write options.</summary>
public static class ParquetRewrite
{
    public static ParquetSchema SchemaOf(string input)
    {
        using var reader = ParquetFileReader.Open(input);
        return reader.Schema;
    }

    /// <summary>Copies every row group column by column as levels and values, so any nesting survives unchanged.</summary>
    public static long CopyRows(string input, ParquetFileWriter writer, CancellationToken ct)
    {
        using var reader = ParquetFileReader.Open(input);
        foreach (var (key, value) in reader.Metadata.KeyValueMetadata) writer.SetMetadata(key, value);
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            var batch = new ParquetColumnBatch(checked((int)reader.GetRowGroupRowCount(g)));
            foreach (var column in reader.Schema.Columns)
            {
                var data = reader.ReadColumn(g, column, ct);
                ReadOnlyMemory<short> def = data.DefinitionLevels, rep = data.RepetitionLevels;
                switch (data.Values)
                {
                    case bool[] v: batch.AddLeveled<bool>(column.DottedPath, v, def, rep); break;
                    case int[] v: batch.AddLeveled<int>(column.DottedPath, v, def, rep); break;
                    case long[] v: batch.AddLeveled<long>(column.DottedPath, v, def, rep); break;
                    case float[] v: batch.AddLeveled<float>(column.DottedPath, v, def, rep); break;
                    case double[] v: batch.AddLeveled<double>(column.DottedPath, v, def, rep); break;
                    case string[] v: batch.AddLeveled<string>(column.DottedPath, v, def, rep); break;
                    case byte[][] v: batch.AddLeveled<byte[]>(column.DottedPath, v, def, rep); break;
                    default: throw new NotSupportedException($"{input}: column {column.DottedPath}: cannot copy {data.Values.GetType().Name} values");
                }
            }
            writer.WriteBatch(batch, ct);
        }
        return reader.RowCount;
    }
}
