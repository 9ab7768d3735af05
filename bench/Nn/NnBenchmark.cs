using System.Text.Json.Nodes;
using OfflineSafety.Bench.Anchors;
using OfflineSafety.Bench.Timing;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Bench.Nn;

/// <summary>Our time and PyTorch's for one workload. Times are in the unit the key names (ms or us).</summary>
/// <remarks><see cref="OursCpu"/> and <see cref="TorchCpu"/> are CPU time per step (all threads), same unit: on a
/// shared machine they show the work done, where wall time also shows waiting for a core.</remarks>
public sealed record NnWorkloadResult(string Key, double Ours, double? Torch, int? TorchThreads, double? GemmGflops,
    double? OursCpu = null, double? TorchCpu = null)
{
    /// <summary>How many times faster we are than PyTorch's best (torch / ours); above 1 is faster.</summary>
    public double? Ratio => Torch / Ours;

    /// <summary>PyTorch's CPU time over ours for the same step.</summary>
    public double? CpuRatio => TorchCpu / OursCpu;

    /// <summary>The key without its unit suffix, e.g. "infer_b4096" (used for unit-free figures such as GFLOP/s).</summary>
    public string Name => Key[..Key.LastIndexOf('_')];
}

/// <summary>Everything one `offsafe-bench nn` run measured.</summary>
public sealed record NnBenchReport(
    int Threads, double Scale, IReadOnlyList<NnWorkloadResult> Workloads,
    double? SgemmPeakGflops, string? TorchVersion, string? TorchUnavailable)
{
    /// <summary>Ours under the anchor's keys, PyTorch's best under "torch", torch/ours under "ratio",
    /// the measured sgemm peak, and achieved GFLOP/s of the GEMM-bound workloads.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var w in Workloads) json[w.Key] = Round(w.Ours);
        var torch = new JsonObject();
        var torchThreads = new JsonObject();
        var ratio = new JsonObject();
        var gflops = new JsonObject();
        foreach (var w in Workloads)
        {
            if (w.Torch is double t) torch[w.Key] = Round(t);
            if (w.TorchThreads is int tt) torchThreads[w.Key] = tt;
            if (w.Ratio is double r) ratio[w.Key] = Round(r);
            if (w.GemmGflops is double g) gflops[w.Name] = Round(g);
        }
        json["torch"] = torch;
        json["torch_threads"] = torchThreads;
        json["ratio"] = ratio;
        json["sgemm_peak_gflops"] = SgemmPeakGflops is double peak ? Round(peak) : null;
        json["gflops"] = gflops;
        var ofPeak = new JsonObject();
        if (SgemmPeakGflops is double p)
            foreach (var w in Workloads)
                if (w.GemmGflops is double g) ofPeak[w.Name] = Round(g / p);
        json["fraction_of_sgemm_peak"] = ofPeak;
        var cpu = new JsonObject();
        var torchCpu = new JsonObject();
        var cpuRatio = new JsonObject();
        foreach (var w in Workloads)
        {
            if (w.OursCpu is double c) cpu[w.Key] = Round(c);
            if (w.TorchCpu is double tc) torchCpu[w.Key] = Round(tc);
            if (w.CpuRatio is double cr) cpuRatio[w.Key] = Round(cr);
        }
        json["cpu"] = cpu;
        json["torch_cpu"] = torchCpu;
        json["cpu_ratio"] = cpuRatio;
        json["threads"] = Threads;
        json["scale"] = Scale;
        json["torch_version"] = TorchVersion;
        if (TorchUnavailable is not null) json["torch_unavailable"] = TorchUnavailable;
        return json;
    }

    private static double Round(double v) => Math.Round(v, 4);
}

/// <summary>
/// `offsafe-bench nn`: times the engine workloads with our engine, then runs the project's
/// PyTorch reference (scripts/torch_workloads.py) at 1 and 2 threads in the same run and keeps
/// PyTorch's best per workload, plus its sgemm peak (large torch.mm) as the yardstick for GFLOP/s.
/// </summary>
public sealed class NnBenchmark
{
    private static readonly int[] TorchThreadCounts = [1, 2];
    private readonly TorchAnchor _anchor;

    public NnBenchmark(TorchAnchor anchor) => _anchor = anchor;

    public NnBenchReport Run(int threads, double scale, bool runTorch, IProgress<string>? progress, CancellationToken ct)
    {
        var compute = new ComputeOptions { Threads = threads };
        var ours = new List<(INnWorkload Workload, double Value, double Cpu)>();
        foreach (var workload in NnWorkloads.Create(compute))
        {
            progress?.Report($"ours: {workload.Key}");
            var time = StepTimer.Measure(workload.Step, workload.Repetitions, scale, workload.Warmup, ct);
            ours.Add((workload, time.WallSeconds * UnitScale(workload.Key), time.CpuSeconds * UnitScale(workload.Key)));
        }

        string? unavailable = runTorch ? _anchor.Unavailable() : "skipped (--skip-torch)";
        var torchRuns = new List<TorchRun>();
        if (unavailable is null)
            foreach (int t in TorchThreadCounts)
            {
                progress?.Report($"PyTorch, {t} thread(s)");
                torchRuns.Add(_anchor.Run(t, scale, workloads: true, peak: true, [], ct));
            }

        double? peak = torchRuns.Count == 0 ? null : torchRuns.Max(r => r.SgemmPeakGflops);
        var results = ours.Select(o =>
        {
            var best = torchRuns.Where(r => r.Figures.ContainsKey(o.Workload.Key)).MinBy(r => r.Figures[o.Workload.Key]);
            double? gflops = o.Workload.GemmFlops > 0 ? o.Workload.GemmFlops / (o.Value / UnitScale(o.Workload.Key)) / 1e9 : null;
            double? torchCpu = torchRuns.Where(r => r.CpuFigures.ContainsKey(o.Workload.Key)).Select(r => (double?)r.CpuFigures[o.Workload.Key]).Min();
            return new NnWorkloadResult(o.Workload.Key, o.Value, best?.Figures[o.Workload.Key], best?.Threads, gflops, o.Cpu, torchCpu);
        }).ToList();
        return new NnBenchReport(threads, scale, results, peak, torchRuns.FirstOrDefault()?.TorchVersion, unavailable);
    }

    /// <summary>Seconds to the unit a key names: *_ms in milliseconds, *_us in microseconds.</summary>
    public static double UnitScale(string key) => key.EndsWith("_us", StringComparison.Ordinal) ? 1e6 : 1e3;
}
