using OfflineSafety.Errors;
using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Pipeline.Conversion;

public sealed record ConversionOptions(ParquetCompression Compression, int RowGroupRows);

public sealed record ConversionOutcome(string Output, long Rows, int RowGroups, long FileBytes);

/// <summary>`offsafe parquet convert`: CSV, JSON lines or Parquet in, Parquet out, staged then renamed.</summary>
public static class ParquetConversion
{
    /// <summary>Rows parsed per block; bounded so text inputs never hold more than this in memory.</summary>
    private const int MaxRowsPerBlock = 65536;

    public static ConversionOutcome Convert(string input, string output, ConversionOptions options, CancellationToken ct)
    {
        if (!File.Exists(input)) throw new FileNotFoundException($"{input}: no such file");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.RowGroupRows);
        var writeOptions = new ParquetWriteOptions { Compression = options.Compression, MaxRowGroupRows = options.RowGroupRows };
        bool isParquet = string.Equals(Path.GetExtension(input), ".parquet", StringComparison.OrdinalIgnoreCase);
        var source = isParquet ? null : TabularSources.ForFile(input)
            ?? throw new BadInputException($"{input}: unknown input format; expected .csv, .jsonl, .ndjson or .parquet");

        // Inference reads the whole input before the output is created, so bad input fails early.
        var schema = source?.InferSchema(ct);
        using var staged = new StagedOutputFile(output);
        long rows;
        int rowGroups;
        using (var writer = new ParquetFileWriter(staged.Stream, schema is null ? ParquetRewrite.SchemaOf(input) : TabularParquetWriter.SchemaFor(schema), writeOptions, leaveOpen: true))
        {
            rows = source is null
                ? ParquetRewrite.CopyRows(input, writer, Math.Min(options.RowGroupRows, MaxRowsPerBlock), ct)
                : TabularParquetWriter.Write(source, schema!, writer, Math.Min(options.RowGroupRows, MaxRowsPerBlock), ct);
            writer.Close();
            rowGroups = writer.RowGroupCount;
        }
        staged.Commit();
        return new ConversionOutcome(staged.Destination, rows, rowGroups, new FileInfo(staged.Destination).Length);
    }
}
