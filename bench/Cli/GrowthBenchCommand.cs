using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OfflineSafety.Bench.Growth;
using Spectre.Console;

namespace OfflineSafety.Bench.Cli;

/// <summary>`offsafe-bench growth`: cost as work grows (ingest rows, commits, tasks per meta-iteration, adaptation rows).</summary>
public static class GrowthBenchCommand
{
    public static Command Create()
    {
        var defaults = new GrowthSizes();
        var ingestRows = Sizes("--ingest-rows", "Rows of each ingested Parquet log.", defaults.IngestRows);
        var commits = Sizes("--commits", "Commits of each Delta log whose latest snapshot is loaded.", defaults.Commits);
        var tasks = Sizes("--tasks", "K, tasks per MESA meta-iteration.", defaults.TasksPerIteration);
        var adaptRows = Sizes("--adapt-rows", "Rows of each adaptation (test-variant) set.", defaults.AdaptationRows);
        var iterations = new Option<int>("--meta-iterations") { Description = "Meta-iterations timed at each K.", DefaultValueFactory = _ => defaults.MetaIterations };
        var steps = new Option<int>("--adapt-steps") { Description = "Adam steps of each adaptation.", DefaultValueFactory = _ => defaults.AdaptationSteps };
        var cmd = new Command("growth", "Cost as work grows: each workload at growing sizes, with the time ratio between sizes and whether it grows linearly.");
        foreach (var option in new Option[] { ingestRows, commits, tasks, adaptRows, iterations, steps }) cmd.Options.Add(option);
        BenchAction.Set(cmd, async (p, ct) =>
        {
            var sizes = new GrowthSizes
            {
                IngestRows = Check(p.GetValue(ingestRows)!, "--ingest-rows"),
                Commits = Check(p.GetValue(commits)!, "--commits"),
                TasksPerIteration = Check(p.GetValue(tasks)!, "--tasks"),
                AdaptationRows = Check(p.GetValue(adaptRows)!, "--adapt-rows"),
                MetaIterations = Check([p.GetValue(iterations)], "--meta-iterations")[0],
                AdaptationSteps = Check([p.GetValue(steps)], "--adapt-steps")[0],
            };
            var err = BenchConsoles.Over(Console.Error, Console.IsErrorRedirected);
            var folder = Directory.CreateTempSubdirectory("offsafe-bench-growth-");
            IReadOnlyList<GrowthPoint> points;
            try
            {
                points = await new GrowthBench(sizes).RunAsync(folder.FullName, s => err.MarkupLine($"[grey]{Markup.Escape(s)}[/]"), ct);
            }
            finally
            {
                folder.Delete(recursive: true);
            }
            var growth = GrowthStep.Between(points).ToList();

            if (p.GetValue(BenchCommands.Json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    processors = Environment.ProcessorCount,
                    points = points.Select(x => new { workload = x.Workload, size = x.Size, seconds = x.Seconds, cpu_seconds = x.CpuSeconds, peak_working_set_bytes = x.PeakWorkingSetBytes }),
                    growth = growth.Select(s => new { workload = s.Workload, from = s.FromSize, to = s.ToSize, cpu_time_ratio = s.TimeRatio, wall_time_ratio = s.WallTimeRatio, size_ratio = s.SizeRatio, exponent = s.Exponent, shape = s.Shape }),
                }));
                return 0;
            }
            var table = new Table().AddColumns("workload", "size", "wall time", "CPU time", "peak working set", "CPU time vs previous size", "wall ratio", "shape (CPU)");
            foreach (var point in points)
            {
                var step = growth.FirstOrDefault(s => s.Workload == point.Workload && s.ToSize == point.Size);
                table.AddRow(Markup.Escape(point.Workload), point.SizeName, FormatTime(point.Seconds), FormatTime(point.CpuSeconds),
                    point.PeakWorkingSetBytes is long b ? $"{b / 1048576.0:F0} MiB" : "-",
                    step is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"x{step.TimeRatio:F2} for x{step.SizeRatio:F0} size (e = {step.Exponent:F2})"),
                    step is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"x{step.WallTimeRatio:F2}"),
                    step?.Shape ?? "-");
            }
            BenchConsoles.Over(Console.Out, Console.IsOutputRedirected).Write(table);
            Console.Out.WriteLine("e: exponent in CPU time ~ size^e between neighbouring sizes (1 linear, 0 flat). CPU time = this process, all threads; on a shared machine compare shapes, not absolute times.");
            return 0;
        });
        return cmd;
    }

    private static Option<int[]> Sizes(string name, string description, IReadOnlyList<int> defaults) => new(name)
    {
        Description = description + $" (default: {string.Join(" ", defaults)})",
        AllowMultipleArgumentsPerToken = true,
        DefaultValueFactory = _ => defaults.ToArray(),
    };

    private static int[] Check(int[] values, string option) =>
        values.Length > 0 && values.All(v => v > 0) ? values
            : throw new ArgumentException($"{option} takes positive whole numbers (got {string.Join(" ", values)})");

    private static string FormatTime(double seconds) => seconds switch
    {
        >= 1 => string.Create(CultureInfo.InvariantCulture, $"{seconds:F2} s"),
        >= 1e-3 => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e3:F2} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e6:F1} us"),
    };
}
