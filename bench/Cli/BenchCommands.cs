using System.CommandLine;
using System.Globalization;
using OfflineSafety.Bench.Anchors;
using OfflineSafety.Bench.Gemm;
using OfflineSafety.Bench.Nn;
using OfflineSafety.Bench.Timing;
using OfflineSafety.Nn.Kernels;
using KernelGemm = OfflineSafety.Nn.Kernels.Gemm;
using Spectre.Console;

namespace OfflineSafety.Bench.Cli;

/// <summary>
/// The `offsafe-bench` command tree (`dotnet run --project bench -c Release -- ...`): benchmarks printed
/// beside their anchors from the same run, one subcommand each; the logic lives in bench/'s other folders.
/// </summary>
public static class BenchCommands
{
    public static readonly Option<bool> Json = new("--json") { Description = "Print one JSON object on stdout, for scripts.", Recursive = true };

    public static RootCommand Create()
    {
        var bench = new RootCommand("offsafe-bench: benchmarks, each beside its reference implementation measured in the same run.");
        bench.Options.Add(Json);
        bench.Subcommands.Add(NnCommand());
        bench.Subcommands.Add(GemmCommand());
        bench.Subcommands.Add(InferCommand());
        bench.Subcommands.Add(EnvsBenchCommand.Create());
        bench.Subcommands.Add(IngestBenchCommand.Create());
        bench.Subcommands.Add(ParquetBenchCommand.Create());
        bench.Subcommands.Add(CodecsBenchCommand.Create());
        bench.Subcommands.Add(SnapshotBenchCommand.Create());
        bench.Subcommands.Add(GrowthBenchCommand.Create());
        bench.Subcommands.Add(StoreBenchCommand.Create());
        bench.Subcommands.Add(ServeBenchCommand.Create());
        bench.Subcommands.Add(MesaBenchCommand.Create());
        return bench;
    }

    private static Option<int> ThreadsOption() => new("--threads")
    {
        Description = "Threads our engine may use (default: all cores).",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    private static Option<double> ScaleOption() => new("--scale")
    {
        Description = "Multiplies every repetition count (e.g. 0.1 for a quick look); applies to both sides.",
        DefaultValueFactory = _ => 1.0,
    };

    private static Option<bool> SkipTorchOption() => new("--skip-torch")
    {
        Description = "Time our side only; PyTorch is neither run nor required.",
    };

    private static Command NnCommand()
    {
        var threads = ThreadsOption();
        var scale = ScaleOption();
        var skipTorch = SkipTorchOption();
        var rounds = RoundsOption("Alternating rounds of ours, PyTorch at 1 thread and PyTorch at 2 threads; each figure is the median over them.");
        var kernel = KernelOption();
        var only = new Option<string[]>("--only")
        {
            Description = "Only these workloads (keys such as sac_update_ms; default: all), for profiling one of them.",
            AllowMultipleArgumentsPerToken = true,
        };
        var cmd = new Command("nn", "Engine workloads (critic update, MAML iteration, SAC update, critic inference) against PyTorch.");
        foreach (var option in new Option[] { threads, rounds, scale, skipTorch, kernel, only }) cmd.Options.Add(option);
        BenchAction.Set(cmd, (parseResult, ct) =>
        {
            int t = CheckThreads(parseResult.GetValue(threads));
            int r = CheckRounds(parseResult.GetValue(rounds));
            double s = CheckScale(parseResult.GetValue(scale));
            bool runTorch = !parseResult.GetValue(skipTorch);
            var o = NnBenchmark.CheckOnly(parseResult.GetValue(only));
            var report = WithProgress("bench nn", progress => new NnBenchmark(new TorchAnchor()).Run(new ComputeOptions { Threads = t, Kernel = parseResult.GetValue(kernel) }, r, s, runTorch, progress, ct,
                o));
            if (parseResult.GetValue(BenchCommands.Json))
            {
                Console.WriteLine(report.ToJson().ToJsonString());
                return 0;
            }
            var table = new Table().AddColumns("workload", "ours, min / median / max (spread)", "PyTorch best", "torch threads", "ratio torch/ours, min / median",
                "GFLOP/s ours", "CPU ours", "CPU torch", "CPU ratio, min / median");
            foreach (var w in report.Workloads)
            {
                string unit = w.Key.EndsWith("_us", StringComparison.Ordinal) ? "us" : "ms";
                table.AddRow(w.Key, $"{w.Ours.Format()} {unit}", w.Torch is { } tt ? $"{tt.Format()} {unit}" : "-",
                    w.TorchThreads?.ToString(CultureInfo.InvariantCulture) ?? "-", Spread.FormatRatio(w.Torch, w.Ours),
                    w.GemmGflops is double g ? FormatGflops(g, report.SgemmPeakGflops) : "-",
                    $"{w.OursCpu.Format()} {unit}", w.TorchCpu is { } tc ? $"{tc.Format()} {unit}" : "-",
                    Spread.FormatRatio(w.TorchCpu, w.OursCpu));
            }
            var console = StdoutConsole();
            console.Write(table);
            console.WriteLine($"our threads: {report.Threads}; GEMM kernel: {KernelGemm.KernelName(new ComputeOptions { Kernel = parseResult.GetValue(kernel) })}; {report.Rounds} alternating rounds; scale: {report.Scale}; " +
                "CPU = process CPU time per step, all threads; min / median / max over rounds, spread = (max - min) / median");
            console.WriteLine(report.SgemmPeakGflops is double p
                ? $"sgemm peak (torch.mm, best of 1 and 2 threads): {p:F1} GFLOP/s; PyTorch {report.TorchVersion}; OpenBLAS kernels {TorchAnchor.OpenBlasCore}"
                : $"PyTorch not run: {report.TorchUnavailable}");
            return 0;
        });
        return cmd;
    }

    internal static Option<GemmKernel> KernelOption() => new("--kernel")
    {
        Description = "GEMM micro-kernel: Auto (the default choice for this CPU), Avx512, Avx2 or Scalar.",
        DefaultValueFactory = _ => GemmKernel.Auto,
    };

    private static Option<int> RoundsOption(string description) => new("--rounds")
    {
        Description = description,
        DefaultValueFactory = _ => 5,
    };

    private static int CheckRounds(int rounds) =>
        rounds >= 1 ? rounds : throw new ArgumentException($"--rounds must be at least 1 (got {rounds}).");

    private static Command InferCommand()
    {
        var scale = ScaleOption();
        var skipTorch = SkipTorchOption();
        var rounds = RoundsOption("Alternating rounds of ours, ONNX Runtime and PyTorch; each figure is the median over them.");
        var threads = ThreadsOption();
        var kernel = KernelOption();
        var ortThreads = new Option<int[]>("--ort-threads")
        {
            Description = "ONNX Runtime intra-op thread settings to run (default: 1 2); its best is kept per batch. `--threads 1 --ort-threads 1` compares the engines per core.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => InferenceBenchmark.DefaultAnchorThreads,
        };
        var cmd = new Command("infer", "Safety-critic inference (1, 100, 4096 rows): ours beside ONNX Runtime running the exported critic, and PyTorch.");
        foreach (var option in new Option[] { rounds, scale, skipTorch, threads, kernel, ortThreads }) cmd.Options.Add(option);
        BenchAction.Set(cmd, (parseResult, ct) =>
        {
            int r = CheckRounds(parseResult.GetValue(rounds));
            double s = CheckScale(parseResult.GetValue(scale));
            bool runTorch = !parseResult.GetValue(skipTorch);
            var compute = new ComputeOptions { Threads = CheckThreads(parseResult.GetValue(threads)), Kernel = parseResult.GetValue(kernel) };
            int[] ort = parseResult.GetValue(ortThreads) is { Length: > 0 } given ? given : InferenceBenchmark.DefaultAnchorThreads;
            foreach (int t in ort) CheckThreads(t);
            var report = WithProgress("bench infer", progress => new InferenceBenchmark(new TorchAnchor()).Run(compute, ort, r, s, runTorch, progress, ct));
            if (parseResult.GetValue(BenchCommands.Json))
            {
                Console.WriteLine(report.ToJson().ToJsonString());
                return 0;
            }
            static string Cell(Spread? x) => x is { } v ? v.Format() : "-";
            var table = new Table().AddColumns("workload", "ours us, min / median / max (spread)", "ours CPU us", "ONNX Runtime best", "ORT CPU us", "ORT threads",
                "ratio ORT/ours, min / median", "CPU ratio ORT/ours", "PyTorch best", "torch threads", "ratio torch/ours, min / median");
            foreach (var w in report.Results)
                table.AddRow(w.Key, Cell(w.Ours), Cell(w.OursCpu), Cell(w.Ort), Cell(w.OrtCpu), w.OrtThreads?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    Spread.FormatRatio(w.Ort, w.Ours), w.OrtCpu is { } oc ? Spread.FormatRatio(oc, w.OursCpu) : "-", Cell(w.Torch),
                    w.TorchThreads?.ToString(CultureInfo.InvariantCulture) ?? "-", Spread.FormatRatio(w.Torch, w.Ours));
            var console = StdoutConsole();
            console.Write(table);
            console.WriteLine($"ours: SafetyCritic.Score on {report.OurThreads} thread(s), GEMM kernel {report.OurKernel}; ONNX Runtime {report.OrtVersion} CPU, sequential, " +
                $"best of {string.Join(" and ", report.OrtThreads)} intra-op thread(s); CPU = process CPU time per call, all threads; " +
                $"{report.Rounds} alternating rounds; scale {report.Scale}");
            console.WriteLine(report.TorchVersion is { } tv ? $"PyTorch {tv}, best of 1 and 2 threads; OpenBLAS kernels {TorchAnchor.OpenBlasCore}" : $"PyTorch not run: {report.TorchUnavailable}");
            return 0;
        });
        return cmd;
    }

    private static Command GemmCommand()
    {
        var threads = ThreadsOption();
        var scale = ScaleOption();
        var shapes = new Option<string[]>("--shape")
        {
            Description = "MxNxK product to time (repeatable; default: a set of layer-sized and large shapes).",
            AllowMultipleArgumentsPerToken = true,
        };
        var skipTorch = SkipTorchOption();
        var cmd = new Command("gemm", "Float32 GEMM throughput of our kernels beside torch.mm (the machine's BLAS).");
        foreach (var option in new Option[] { threads, scale, shapes, skipTorch }) cmd.Options.Add(option);
        BenchAction.Set(cmd, (parseResult, ct) =>
        {
            var options = new ComputeOptions { Threads = CheckThreads(parseResult.GetValue(threads)) };
            double s = CheckScale(parseResult.GetValue(scale));
            var requested = parseResult.GetValue(shapes) is { Length: > 0 } given ? given.Select(GemmShape.Parse).ToList() : GemmBenchmark.DefaultShapes;
            bool runTorch = !parseResult.GetValue(skipTorch);
            var report = WithProgress("bench gemm", progress => new GemmComparison(new TorchAnchor()).Run(requested, options, s, runTorch, progress, ct));
            if (parseResult.GetValue(BenchCommands.Json))
            {
                Console.WriteLine(report.ToJson().ToJsonString());
                return 0;
            }
            var table = new Table().AddColumns("shape", "threads", "ours us", "ours GFLOP/s", "torch.mm GFLOP/s", "torch threads");
            foreach (var r in report.Rows)
                table.AddRow(r.Ours.Shape.ToString(), r.Ours.Threads.ToString(CultureInfo.InvariantCulture), $"{r.Ours.Seconds * 1e6:F1}",
                    $"{r.Ours.Gflops:F1}", r.TorchGflops is double t ? $"{t:F1}" : "-", r.TorchThreads?.ToString(CultureInfo.InvariantCulture) ?? "-");
            var console = StdoutConsole();
            console.Write(table);
            console.WriteLine($"kernel: {report.Kernel}; " + (report.SgemmPeakGflops is double p
                ? $"sgemm peak (torch.mm 1024^3/2048^3, best of 1 and 2 threads): {p:F1} GFLOP/s"
                : $"PyTorch not run: {report.TorchUnavailable}"));
            return 0;
        });
        return cmd;
    }

    // Redirected output has no terminal width; Spectre would then wrap the table at 80 columns.
    private static IAnsiConsole StdoutConsole()
    {
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected) console.Profile.Width = 160;
        return console;
    }

    private static int CheckThreads(int threads) =>
        threads >= 1 ? threads : throw new ArgumentException($"--threads must be at least 1 (got {threads}).");

    private static double CheckScale(double scale) =>
        scale > 0 && double.IsFinite(scale) ? scale : throw new ArgumentException($"--scale must be a positive number (got {scale}).");

    private static string FormatGflops(double gflops, double? peak) =>
        peak is double p ? $"{gflops:F1} ({100 * gflops / p:F0}% of peak)" : $"{gflops:F1}";

    // A status line on stderr while the benchmark runs, so stdout carries only the table or the JSON.
    internal static T WithProgress<T>(string title, Func<IProgress<string>, T> run)
    {
        var stderr = BenchConsoles.Over(Console.Error, Console.IsErrorRedirected);
        T result = default!;
        stderr.Status().Start(title, context =>
        {
            result = run(new StatusProgress(stage => context.Status($"{title}: {stage}")));
        });
        return result;
    }

    // Reports on the benchmark's own thread: Progress<T> would post each update to the thread pool,
    // which competes with the measured work for the same cores.
    private sealed class StatusProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
