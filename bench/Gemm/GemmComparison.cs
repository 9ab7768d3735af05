using System.Text.Json.Nodes;
using OfflineSafety.Bench.Anchors;
using OfflineSafety.Nn.Kernels;
using KernelGemm = OfflineSafety.Nn.Kernels.Gemm;

namespace OfflineSafety.Bench.Gemm;

public sealed record GemmComparisonRow(GemmMeasurement Ours, double? TorchGflops, int? TorchThreads);

public sealed record GemmComparisonReport(IReadOnlyList<GemmComparisonRow> Rows, double? SgemmPeakGflops, string Kernel, string? TorchUnavailable)
{
    public JsonObject ToJson()
    {
        var rows = new JsonArray();
        foreach (var r in Rows)
            rows.Add(new JsonObject
            {
                ["shape"] = r.Ours.Shape.ToString(),
                ["threads"] = r.Ours.Threads,
                ["us"] = Math.Round(r.Ours.Seconds * 1e6, 2),
                ["gflops"] = Math.Round(r.Ours.Gflops, 2),
                ["torch_gflops"] = r.TorchGflops is double t ? Math.Round(t, 2) : null,
                ["torch_threads"] = r.TorchThreads,
            });
        var json = new JsonObject { ["kernel"] = Kernel, ["shapes"] = rows, ["sgemm_peak_gflops"] = SgemmPeakGflops is double p ? Math.Round(p, 2) : null };
        if (TorchUnavailable is not null) json["torch_unavailable"] = TorchUnavailable;
        return json;
    }
}

/// <summary>`offsafe-bench gemm`: our sgemm on each shape beside torch.mm (OpenBLAS) on the same shape at 1 and 2 threads.</summary>
public sealed class GemmComparison
{
    private readonly TorchAnchor _anchor;

    public GemmComparison(TorchAnchor anchor) => _anchor = anchor;

    public GemmComparisonReport Run(IReadOnlyList<GemmShape> shapes, ComputeOptions options, double scale, bool runTorch, IProgress<string>? progress, CancellationToken ct)
    {
        var ours = new List<GemmMeasurement>();
        foreach (var shape in shapes)
        {
            progress?.Report($"ours: {shape}");
            ours.Add(GemmBenchmark.Measure(shape, options, scale, ct));
        }
        string? unavailable = runTorch ? _anchor.Unavailable() : "skipped (--skip-torch)";
        var runs = new List<TorchRun>();
        if (unavailable is null)
        {
            // torch.mm has no transposed-operand variant worth separating here: it times the plain product of each size.
            var dims = shapes.Select(s => s.Dimensions).Distinct().ToList();
            foreach (int t in new[] { 1, 2 })
            {
                progress?.Report($"torch.mm, {t} thread(s)");
                runs.Add(_anchor.Run(t, scale, workloads: false, peak: true, dims, ct));
            }
        }
        var rows = ours.Select(o =>
        {
            var best = runs.Where(r => r.SgemmGflops.ContainsKey(o.Shape.Dimensions)).MaxBy(r => r.SgemmGflops[o.Shape.Dimensions]);
            return new GemmComparisonRow(o, best?.SgemmGflops[o.Shape.Dimensions], best?.Threads);
        }).ToList();
        double? peak = runs.Count == 0 ? null : runs.Max(r => r.SgemmPeakGflops);
        return new GemmComparisonReport(rows, peak, GemmDriverInfo(options), unavailable);
    }

    private static string GemmDriverInfo(ComputeOptions options) => KernelGemm.KernelName(options);
}
