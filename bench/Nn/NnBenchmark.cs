using System.Text.Json.Nodes;
using OfflineSafety.Bench.Anchors;
using OfflineSafety.Bench.Timing;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Bench.Nn;

/// <summary>
/// Our figures and PyTorch's for one workload over the rounds of a run, in the unit the key names
/// (ms or us): wall time per step and CPU time per step (all threads of the process). PyTorch's
/// figures are those of its best thread setting (lowest median wall time).
/// </summary>
public sealed record NnWorkloadResult(string Key, Spread Ours, Spread OursCpu, Spread? Torch, Spread? TorchCpu, int? TorchThreads, double? GemmGflops)
{
    /// <summary>How many times faster we are than PyTorch's best, ratio of medians (torch / ours); above 1 is faster.</summary>
    public double? Ratio => Torch?.Median / Ours.Median;

    /// <summary>The same on the fastest rounds (torch's min / ours' min): the least disturbed reading on a shared machine.</summary>
    public double? MinRatio => Torch?.Min / Ours.Min;

    /// <summary>PyTorch's median CPU time over ours for the same step.</summary>
    public double? CpuRatio => TorchCpu?.Median / OursCpu.Median;

    /// <summary>The key without its unit suffix, e.g. "infer_b4096" (used for unit-free figures such as GFLOP/s).</summary>
    public string Name => Key[..Key.LastIndexOf('_')];
}

/// <summary>Everything one `offsafe-bench nn` run measured.</summary>
public sealed record NnBenchReport(
    int Threads, double Scale, int Rounds, IReadOnlyList<NnWorkloadResult> Workloads,
    double? SgemmPeakGflops, string? TorchVersion, string? TorchUnavailable)
{
    /// <summary>Medians under the anchor's keys (ours at the top level, PyTorch's best under "torch"),
    /// the ratio of medians under "ratio" and of the fastest rounds under "ratio_min", every side's median and range under "spread", the
    /// measured sgemm peak, and achieved GFLOP/s of the GEMM-bound workloads (at our median).</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var w in Workloads) json[w.Key] = Round(w.Ours.Median);
        var torch = new JsonObject();
        var torchThreads = new JsonObject();
        var ratio = new JsonObject();
        var ratioMin = new JsonObject();
        var gflops = new JsonObject();
        var cpu = new JsonObject();
        var torchCpu = new JsonObject();
        var cpuRatio = new JsonObject();
        var spread = new JsonObject();
        foreach (var w in Workloads)
        {
            if (w.Torch is { } t) torch[w.Key] = Round(t.Median);
            if (w.TorchThreads is int tt) torchThreads[w.Key] = tt;
            if (w.Ratio is double r) ratio[w.Key] = Round(r);
            if (w.MinRatio is double rm) ratioMin[w.Key] = Round(rm);
            if (w.GemmGflops is double g) gflops[w.Name] = Round(g);
            cpu[w.Key] = Round(w.OursCpu.Median);
            if (w.TorchCpu is { } tc) torchCpu[w.Key] = Round(tc.Median);
            if (w.CpuRatio is double cr) cpuRatio[w.Key] = Round(cr);
            var entry = new JsonObject { ["ours"] = w.Ours.ToJson(), ["ours_cpu"] = w.OursCpu.ToJson() };
            if (w.Torch is { } ts) entry["torch"] = ts.ToJson();
            if (w.TorchCpu is { } tcs) entry["torch_cpu"] = tcs.ToJson();
            spread[w.Key] = entry;
        }
        json["torch"] = torch;
        json["torch_threads"] = torchThreads;
        json["ratio"] = ratio;
        json["ratio_min"] = ratioMin;
        json["sgemm_peak_gflops"] = SgemmPeakGflops is double peak ? Round(peak) : null;
        json["gflops"] = gflops;
        var ofPeak = new JsonObject();
        if (SgemmPeakGflops is double p)
            foreach (var w in Workloads)
                if (w.GemmGflops is double g) ofPeak[w.Name] = Round(g / p);
        json["fraction_of_sgemm_peak"] = ofPeak;
        json["cpu"] = cpu;
        json["torch_cpu"] = torchCpu;
        json["cpu_ratio"] = cpuRatio;
        json["spread"] = spread;
        json["rounds"] = Rounds;
        json["threads"] = Threads;
        json["scale"] = Scale;
        json["torch_version"] = TorchVersion;
        json["openblas_core"] = TorchVersion is null ? null : TorchAnchor.OpenBlasCore;
        if (TorchUnavailable is not null) json["torch_unavailable"] = TorchUnavailable;
        return json;
    }

    private static double Round(double v) => Math.Round(v, 4);
}

/// <summary>
/// `offsafe-bench nn`: the engine workloads, ours beside the project's PyTorch reference
/// (scripts/torch_workloads.py) at 1 and 2 threads. The sides run in alternation, round after round
/// (ours, PyTorch at 1 thread, PyTorch at 2 threads), so a burst of load on a shared machine falls on
/// all of them alike; each figure is the mean time per step within a round, reported as the median
/// and range over rounds. PyTorch's sgemm peak (large torch.mm) is the yardstick for GFLOP/s.
/// </summary>
public sealed class NnBenchmark(TorchAnchor anchor)
{
    private static readonly int[] TorchThreadCounts = [1, 2];

    public NnBenchReport Run(ComputeOptions compute, int rounds, double scale, bool runTorch, IProgress<string>? progress, CancellationToken ct,
        IReadOnlyCollection<string>? only = null)
    {
        CheckOnly(only);
        var workloads = NnWorkloads.Create(compute).Where(w => only is not { Count: > 0 } || only.Contains(w.Key)).ToList();
        var wall = workloads.Select(_ => new List<double>()).ToArray();
        var cpu = workloads.Select(_ => new List<double>()).ToArray();
        string? unavailable = runTorch ? anchor.Unavailable() : "skipped (--skip-torch)";
        var torchRuns = new List<TorchRun>();
        for (int round = 1; round <= rounds; round++)
        {
            for (int i = 0; i < workloads.Count; i++)
            {
                var w = workloads[i];
                progress?.Report($"round {round}/{rounds}: ours, {w.Key}");
                var time = StepTimer.Measure(w.Step, w.Repetitions, scale, w.Warmup, ct);
                wall[i].Add(time.WallSeconds * UnitScale(w.Key));
                cpu[i].Add(time.CpuSeconds * UnitScale(w.Key));
            }
            if (unavailable is null)
                foreach (int t in TorchThreadCounts)
                {
                    progress?.Report($"round {round}/{rounds}: PyTorch, {t} thread(s)");
                    // The peak is a property of the machine, not of a workload: one measurement per thread count is enough.
                    torchRuns.Add(anchor.Run(t, scale, workloads: true, peak: round == 1, [], ct));
                }
        }

        double? peak = torchRuns.Select(r => r.SgemmPeakGflops).Max();
        var results = workloads.Select((w, i) =>
        {
            var ours = Spread.Of(wall[i]);
            var best = TorchThreadCounts
                .Select(t => (Threads: t, Runs: torchRuns.Where(r => r.Threads == t && r.Figures.ContainsKey(w.Key)).ToList()))
                .Where(x => x.Runs.Count > 0)
                .Select(x => (x.Threads, Wall: Spread.Of(x.Runs.Select(r => r.Figures[w.Key]).ToList()),
                    Cpu: x.Runs.All(r => r.CpuFigures.ContainsKey(w.Key)) ? Spread.Of(x.Runs.Select(r => r.CpuFigures[w.Key]).ToList()) : null))
                .OrderBy(x => x.Wall.Median)
                .Select(x => ((int Threads, Spread Wall, Spread? Cpu)?)x)
                .FirstOrDefault();
            double? gflops = w.GemmFlops > 0 ? w.GemmFlops / (ours.Median / UnitScale(w.Key)) / 1e9 : null;
            return new NnWorkloadResult(w.Key, ours, Spread.Of(cpu[i]), best?.Wall, best?.Cpu, best?.Threads, gflops);
        }).ToList();
        return new NnBenchReport(compute.Threads, scale, rounds, results, peak, torchRuns.FirstOrDefault()?.TorchVersion, unavailable);
    }

    /// <summary>Refuses, in one line naming --only, a workload key that does not exist.</summary>
    public static IReadOnlyCollection<string>? CheckOnly(IReadOnlyCollection<string>? only)
    {
        if (only is not { Count: > 0 }) return only;
        var keys = NnWorkloads.Create(new ComputeOptions { Threads = 1 }).Select(w => w.Key).ToList();
        if (only.FirstOrDefault(k => !keys.Contains(k)) is { } unknown)
            throw new ArgumentException($"--only: no workload '{unknown}' (known: {string.Join(", ", keys)}).");
        return only;
    }

    /// <summary>Seconds to the unit a key names: *_ms in milliseconds, *_us in microseconds.</summary>
    public static double UnitScale(string key) => key.EndsWith("_us", StringComparison.Ordinal) ? 1e6 : 1e3;
}
