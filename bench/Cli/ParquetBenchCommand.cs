using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OfflineSafety.Bench.Timing;
using OfflineSafety.Bench.Parquet;
using Spectre.Console;

namespace OfflineSafety.Bench.Cli;

/// <summary>`offsafe-bench parquet`: our codec's write and full scan of the transition table beside DuckDB's (docs/bench-parquet.md).</summary>
public static class ParquetBenchCommand
{
    public static Command Create()
    {
        var rows = new Option<long>("--rows") { Description = "Transition rows to write and scan.", DefaultValueFactory = _ => 1_000_000 };
        var streaming = new Option<bool>("--streaming")
        {
            Description = "Generate and write one row group at a time and scan one row group at a time (memory stays near one row group).",
        };
        var rowGroupRows = new Option<int>("--row-group-rows") { Description = "Rows per row group.", DefaultValueFactory = _ => 122_880 };
        var noDuckDb = new Option<bool>("--no-duckdb") { Description = "Skip the DuckDB anchor." };
        var threads = new Option<int>("--duckdb-threads") { Description = "DuckDB threads.", DefaultValueFactory = _ => 2 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds, ours and DuckDB's in alternation; figures are medians with their range.", DefaultValueFactory = _ => 5 };
        var dir = new Option<string?>("--dir") { Description = "Folder for the benchmark files (default: a new temporary folder, removed afterwards)." };
        var command = new Command("parquet", "Write and fully scan the transition table with our Parquet codec and with DuckDB.");
        foreach (var option in new Option[] { rows, streaming, rowGroupRows, noDuckDb, threads, rounds, dir }) command.Options.Add(option);
        BenchAction.Set(command, (parseResult, ct) =>
        {
            string? folder = parseResult.GetValue(dir);
            bool temporary = folder is null;
            folder ??= Directory.CreateTempSubdirectory("offsafe-bench-parquet-").FullName;
            try
            {
                var options = new ParquetBenchOptions(parseResult.GetValue(rows), parseResult.GetValue(streaming),
                    parseResult.GetValue(rowGroupRows), !parseResult.GetValue(noDuckDb), parseResult.GetValue(threads), folder,
                    parseResult.GetValue(rounds));
                var stderr = BenchConsoles.Over(Console.Error, Console.IsErrorRedirected);
                ParquetBenchReport report = null!;
                stderr.Status().Start("benchmarking", context =>
                    report = ParquetBenchmark.Run(options, new Progress<string>(stage => context.Status(stage)), ct));
                if (parseResult.GetValue(BenchCommands.Json)) Console.Out.WriteLine(ToJson(report));
                else Render(report);
                return 0;
            }
            finally
            {
                if (temporary) Directory.Delete(folder, recursive: true);
            }
        });
        return command;
    }

    // Keys in the order scripts and docs/bench-parquet.md know (each figure the median over the rounds,
    // its range under "spread"); the DuckDB side and the ratios are null without the anchor.
    private static string ToJson(ParquetBenchReport r) => new JsonObject
    {
        ["rows"] = r.Rows, ["streaming"] = r.Streaming, ["row_groups"] = r.RowGroups, ["rounds"] = r.Rounds.Count,
        ["write_s"] = r.WriteSeconds, ["scan_s"] = r.ScanSeconds, ["projected_scan_s"] = r.ProjectedScanSeconds, ["file_bytes"] = r.FileBytes,
        ["write_peak_managed_bytes"] = r.WriteMemory.ManagedHeapBytes, ["write_peak_live_managed_bytes"] = r.WriteMemory.LiveManagedBytes,
        ["write_peak_working_set_bytes"] = r.WriteMemory.WorkingSetBytes, ["process_peak_working_set_bytes"] = r.WriteMemory.ProcessPeakWorkingSetBytes,
        ["row_group_input_bytes"] = r.RowGroupBufferBytes,
        ["spread"] = new JsonObject { ["write_s"] = r.Write.ToJson(), ["scan_s"] = r.Scan.ToJson(), ["projected_scan_s"] = r.ProjectedScan.ToJson() },
        ["duckdb"] = r.DuckDbScan is null ? null : new JsonObject
        {
            ["write_s"] = r.DuckDbWrite!.Median, ["scan_s"] = r.DuckDbScan.Median, ["projected_scan_s"] = r.DuckDbProjectedScan?.Median,
            ["file_bytes"] = r.DuckDbFileBytes, ["read_ours_s"] = r.DuckDbReadOurs?.Median,
            ["spread"] = new JsonObject
            {
                ["write_s"] = r.DuckDbWrite.ToJson(), ["scan_s"] = r.DuckDbScan.ToJson(), ["projected_scan_s"] = r.DuckDbProjectedScan?.ToJson(),
                ["read_ours_s"] = r.DuckDbReadOurs?.ToJson(),
            },
        },
        ["ratios"] = r.DuckDbScan is null ? null : new JsonObject
        {
            ["write"] = r.WriteRatio, ["scan"] = r.ScanRatio, ["projected_scan"] = r.ProjectedScanRatio, ["file_bytes"] = r.FileBytesRatio,
        },
    }.ToJsonString();

    private static void Render(ParquetBenchReport r)
    {
        var stdout = BenchConsoles.Over(Console.Out, Console.IsOutputRedirected);
        string S(Spread? s) => s is null ? "-" : s.Format() + " s";
        string R(double? ratio) => ratio is null ? "-" : ratio.Value.ToString("0.00", CultureInfo.InvariantCulture) + "x";
        string MiB(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
        var table = new Table().Title($"parquet: {r.Rows:N0} transition rows{(r.Streaming ? " (streaming)" : "")}, {r.RowGroups} row groups, "
            + $"min / median / max (spread) of {r.Rounds.Count} rounds in alternation");
        table.AddColumns("", "ours", "DuckDB", "ours / DuckDB");
        table.AddRow("write (snappy)", S(r.Write), S(r.DuckDbWrite), R(r.WriteRatio));
        table.AddRow("full scan", S(r.Scan), S(r.DuckDbScan), R(r.ScanRatio));
        table.AddRow($"projected scan ({string.Join(", ", ParquetBenchReport.ProjectedColumns)})", S(r.ProjectedScan),
            S(r.DuckDbProjectedScan), R(r.ProjectedScanRatio));
        table.AddRow("file size", MiB(r.FileBytes), r.DuckDbFileBytes is long d ? MiB(d) : "-", R(r.FileBytesRatio));
        table.AddRow("DuckDB scan of our file", "", S(r.DuckDbReadOurs), "");
        stdout.Write(table);
        string live = r.WriteMemory.LiveManagedBytes is { } bytes ? $", live after full collections {MiB(bytes)}" : "";
        stdout.WriteLine($"write peak memory (first round): managed heap {MiB(r.WriteMemory.ManagedHeapBytes)}{live}, working set {MiB(r.WriteMemory.WorkingSetBytes)} "
            + $"(one row group of input is {MiB(r.RowGroupBufferBytes)})");
    }
}
