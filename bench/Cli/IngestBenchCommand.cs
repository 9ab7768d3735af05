using System.CommandLine;
using System.Text.Json;
using OfflineSafety.Bench;
using Spectre.Console;

namespace OfflineSafety.Bench.Cli;

/// <summary>`offsafe-bench ingest [--rows N]`: log ingest throughput per format (rows/s, MB/s).</summary>
public static class IngestBenchCommand
{
    public static Command Create()
    {
        var rows = new Option<int>("--rows") { Description = "Rows per generated file.", DefaultValueFactory = _ => 1_000_000 };
        var obsDim = new Option<int>("--obs-dim") { Description = "Observation dimension of the generated rows.", DefaultValueFactory = _ => 8 };
        var actDim = new Option<int>("--action-dim") { Description = "Action dimension of the generated rows.", DefaultValueFactory = _ => 2 };
        var cmd = new Command("ingest", "Ingest throughput of generated CSV, JSONL and Parquet logs: read+validate+label, and the same plus the commit to a local store.");
        cmd.Options.Add(rows);
        cmd.Options.Add(obsDim);
        cmd.Options.Add(actDim);
        BenchAction.Set(cmd, async (p, ct) =>
        {
            int n = p.GetValue(rows);
            if (n <= 0) throw new ArgumentException($"--rows must be positive, got {n}");
            var bench = new IngestBench(n, p.GetValue(obsDim), p.GetValue(actDim));
            string folder = Path.Combine(Path.GetTempPath(), "offsafe-bench-ingest-" + Guid.NewGuid().ToString("N"));
            var err = BenchConsoles.Over(Console.Error, Console.IsErrorRedirected);
            IReadOnlyList<IngestFigure> figures;
            try
            {
                figures = await bench.RunAsync(folder, s => err.MarkupLine($"[grey]{Markup.Escape(s)}[/]"), ct);
            }
            finally
            {
                try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
            }

            if (p.GetValue(BenchCommands.Json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    rows = n,
                    processors = Environment.ProcessorCount,
                    formats = figures.Select(f => new { format = f.Format, stage = f.Stage, bytes = f.Bytes, seconds = f.Seconds, cpuSeconds = f.CpuSeconds, rowsPerCpuSecond = f.RowsPerCpuSecond, rowsPerSecond = f.RowsPerSecond, megabytesPerSecond = f.MegabytesPerSecond, rowsIngested = f.RowsIngested }),
                }));
                return 0;
            }
            var table = new Table().AddColumn("format").AddColumn("stage").AddColumn("rows").AddColumn("MB").AddColumn("seconds").AddColumn("rows/s").AddColumn("MB/s").AddColumn("CPU s").AddColumn("rows/CPU s");
            foreach (var f in figures)
                table.AddRow(f.Format, f.Stage, $"{f.Rows:N0}", $"{f.Bytes / 1e6:F1}", $"{f.Seconds:F2}", $"{f.RowsPerSecond:N0}", $"{f.MegabytesPerSecond:F1}", $"{f.CpuSeconds:F2}", $"{f.RowsPerCpuSecond:N0}");
            var stdout = BenchConsoles.Over(Console.Out, Console.IsOutputRedirected);
            // Redirected output has no width; a figures table should not wrap inside its cells.
            if (Console.IsOutputRedirected) stdout.Profile.Width = 132;
            stdout.Write(table);
            return 0;
        });
        return cmd;
    }
}
