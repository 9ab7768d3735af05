using System.CommandLine;
using OfflineSafety.Errors;
using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Pipeline.Cli.Output;
using OfflineSafety.Pipeline.Conversion;
using OfflineSafety.Pipeline.ParquetFiles;
using Spectre.Console;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe parquet`: inspect, cat and convert Parquet files with the project's own codec (docs/parquet-cli.md).</summary>
public static class ParquetCommands
{
    public static Command Create()
    {
        var parquet = new Command("parquet", "Look into and convert Parquet files.");
        parquet.Subcommands.Add(Inspect());
        parquet.Subcommands.Add(Cat());
        parquet.Subcommands.Add(Convert());
        return parquet;
    }

    private static Command Inspect()
    {
        var file = new Argument<string>("file") { Description = "Parquet file." };
        var command = new Command("inspect", "Schema, row groups and per column chunk: types, encodings, codec, sizes, statistics.");
        command.Arguments.Add(file);
        CommandAction.Set(command, (parseResult, ct) =>
        {
            var inspection = ParquetInspection.Read(parseResult.GetValue(file)!);
            if (parseResult.GetValue(CommonOptions.Json)) inspection.WriteJson(Console.Out);
            else inspection.Render(CliOutput.Stdout());
            return 0;
        });
        return command;
    }

    private static Command Cat()
    {
        var file = new Argument<string>("file") { Description = "Parquet file." };
        var columns = new Option<string?>("--columns") { Description = "Comma-separated top-level fields to print, in this order (default: all)." };
        var limit = new Option<long?>("--limit") { Description = "Print at most this many rows." };
        var command = new Command("cat", "Print rows; with --json one JSON object per line (value encoding: docs/parquet-cli.md).");
        command.Arguments.Add(file);
        command.Options.Add(columns);
        command.Options.Add(limit);
        CommandAction.Set(command, (parseResult, ct) =>
        {
            var selection = parseResult.GetValue(columns)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            long? max = parseResult.GetValue(limit);
            if (max < 0) throw new BadInputException($"--limit {max}: must not be negative");
            var printer = new ParquetRowPrinter(parseResult.GetValue(file)!, selection, max);
            if (parseResult.GetValue(CommonOptions.Json)) printer.WriteJsonLines(Console.Out, ct);
            else printer.RenderTable(CliOutput.Stdout(), ct);
            return 0;
        });
        return command;
    }

    private static Command Convert()
    {
        var input = new Argument<string>("input") { Description = "Input file: .csv, .jsonl / .ndjson or .parquet." };
        var output = new Argument<string>("output") { Description = "Output Parquet file (written under a temporary name, renamed when complete)." };
        var compression = new Option<string>("--compression")
        {
            Description = "Page compression: snappy, zstd, lz4_raw, gzip, brotli or none.",
            DefaultValueFactory = _ => "snappy",
        };
        compression.AcceptOnlyFromAmong("snappy", "zstd", "lz4_raw", "gzip", "brotli", "none");
        var rowGroupRows = new Option<int>("--row-group-rows")
        {
            Description = "Most rows in one row group.",
            DefaultValueFactory = _ => 1 << 20,
        };
        var command = new Command("convert", "Convert CSV, JSON lines or Parquet to Parquet (types inferred from the values).");
        command.Arguments.Add(input);
        command.Arguments.Add(output);
        command.Options.Add(compression);
        command.Options.Add(rowGroupRows);
        CommandAction.Set(command, (parseResult, ct) =>
        {
            var options = new ConversionOptions(
                parseResult.GetValue(compression) switch
                {
                    "gzip" => ParquetCompression.Gzip,
                    "zstd" => ParquetCompression.Zstd,
                    "lz4_raw" => ParquetCompression.Lz4Raw,
                    "brotli" => ParquetCompression.Brotli,
                    "none" => ParquetCompression.Uncompressed,
                    _ => ParquetCompression.Snappy,
                },
                parseResult.GetValue(rowGroupRows));
            var outcome = ParquetConversion.Convert(parseResult.GetValue(input)!, parseResult.GetValue(output)!, options, ct);
            if (parseResult.GetValue(CommonOptions.Json))
                CliOutput.WriteJson(new
                {
                    output = outcome.Output,
                    rows = outcome.Rows,
                    row_groups = outcome.RowGroups,
                    file_bytes = outcome.FileBytes,
                });
            else
                CliOutput.Stdout().MarkupLineInterpolated($"wrote [bold]{outcome.Output}[/]: {outcome.Rows} rows in {outcome.RowGroups} row groups, {outcome.FileBytes} bytes");
            return 0;
        });
        return command;
    }
}
