using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OfflineSafety.Bench.Datasets;
using Spectre.Console;

namespace OfflineSafety.Bench.Cli;

/// <summary>`offsafe-bench store [--rows N] [--rounds R]`: ingest and full scan on Azurite beside a local directory.</summary>
public static class StoreBenchCommand
{
    public static Command Create()
    {
        var rows = new Option<int>("--rows") { Description = "Rows of the ingested log.", DefaultValueFactory = _ => 1_000_000 };
        var rounds = new Option<int>("--rounds") { Description = "Alternating rounds per backend; each figure is the best.", DefaultValueFactory = _ => 3 };
        var cmd = new Command("store", "1M-row ingest and full scan into Azurite (az://, started on a loopback port) beside a local directory; bytes show and history download.");
        cmd.Options.Add(rows);
        cmd.Options.Add(rounds);
        BenchAction.Set(cmd, async (p, ct) =>
        {
            int n = p.GetValue(rows) is var r and > 0 ? r : throw new ArgumentException($"--rows must be positive, got {p.GetValue(rows)}");
            int k = p.GetValue(rounds) is var q and > 0 ? q : throw new ArgumentException($"--rounds must be positive, got {p.GetValue(rounds)}");
            var folder = Directory.CreateTempSubdirectory("offsafe-bench-store-");
            var err = BenchConsoles.Over(Console.Error, Console.IsErrorRedirected);
            StoreComparison c;
            try
            {
                c = await new StoreBench(n, k).RunAsync(folder.FullName, s => err.MarkupLine($"[grey]{Markup.Escape(s)}[/]"), ct);
            }
            finally
            {
                try { folder.Delete(recursive: true); } catch (IOException) { }
            }
            if (p.GetValue(BenchCommands.Json))
            {
                static object Json(StoreFigures f) => new
                {
                    backend = f.Backend, rows = f.Rows, dataBytes = f.DataBytes, dataFiles = f.DataFiles,
                    ingest = new { seconds = f.Ingest.Seconds, cpuSeconds = f.Ingest.Cpu, azuriteCpuSeconds = f.Ingest.ServerCpu },
                    scan = new { seconds = f.Scan.Seconds, cpuSeconds = f.Scan.Cpu, azuriteCpuSeconds = f.Scan.ServerCpu },
                    showBytes = f.ShowBytes, historyBytes = f.HistoryBytes,
                };
                Console.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    rounds = c.Rounds, processors = Environment.ProcessorCount, local = Json(c.Local), azure = Json(c.Azure),
                    ingestRatio = c.IngestRatio, scanRatio = c.ScanRatio,
                }));
                return 0;
            }
            var table = new Table().AddColumns("backend", "rows", "data MB", "files", "ingest s", "rows/s", "CPU s ours+Azurite", "scan s", "rows/s", "CPU s ours+Azurite",
                "show bytes (% of data)", "history bytes (% of data)");
            foreach (var f in new[] { c.Local, c.Azure })
                table.AddRow(f.Backend, $"{f.Rows:N0}", $"{f.DataBytes / 1e6:F1}", $"{f.DataFiles}", $"{f.Ingest.Seconds:F2}", $"{f.Rows / f.Ingest.Seconds:N0}",
                    $"{f.Ingest.Cpu:F2}+{f.Ingest.ServerCpu:F2}", $"{f.Scan.Seconds:F2}", $"{f.Rows / f.Scan.Seconds:N0}", $"{f.Scan.Cpu:F2}+{f.Scan.ServerCpu:F2}",
                    $"{f.ShowBytes:N0} ({f.ShowPercent:F3}%)", $"{f.HistoryBytes:N0} ({f.HistoryPercent:F3}%)");
            var stdout = BenchConsoles.Over(Console.Out, Console.IsOutputRedirected);
            if (Console.IsOutputRedirected) stdout.Profile.Width = 200;
            stdout.Write(table);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Azurite / local: ingest {c.IngestRatio:F2}x, scan {c.ScanRatio:F2}x (target: within 2x); best of {c.Rounds} alternating rounds; {Environment.ProcessorCount} cores"));
            stdout.WriteLine("target: show and history download under 1% of the data bytes");
            return 0;
        });
        return cmd;
    }
}
