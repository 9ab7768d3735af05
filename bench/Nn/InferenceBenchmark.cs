using System.Text.Json.Nodes;
using OfflineSafety.Bench.Anchors;
using OfflineSafety.Bench.Timing;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Export;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Bench.Nn;

/// <summary>One batch size: ours, and each anchor at its best thread setting (lowest median).</summary>
public sealed record InferenceResult(string Key, Spread Ours, Spread OursCpu, Spread? Ort, Spread? OrtCpu, int? OrtThreads, Spread? Torch, int? TorchThreads)
{
    /// <summary>ONNX Runtime's time over ours; 1 or more is the target (issue 18).</summary>
    public double? OrtRatio => Ort?.Median / Ours.Median;
    public double? TorchRatio => Torch?.Median / Ours.Median;
    public double? OrtMinRatio => Ort?.Min / Ours.Min;
    public double? TorchMinRatio => Torch?.Min / Ours.Min;
}

public sealed record InferenceBenchReport(int Rounds, double Scale, int OurThreads, string OurKernel, IReadOnlyList<int> OrtThreads,
    IReadOnlyList<InferenceResult> Results, string OrtVersion, string? TorchVersion, string? TorchUnavailable)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["rounds"] = Rounds, ["scale"] = Scale, ["our_threads"] = OurThreads, ["our_kernel"] = OurKernel,
            ["ort_thread_settings"] = new JsonArray([.. OrtThreads.Select(t => JsonValue.Create(t))]), ["ort_version"] = OrtVersion, ["torch_version"] = TorchVersion,
            ["openblas_core"] = TorchVersion is null ? null : TorchAnchor.OpenBlasCore,
        };
        if (TorchUnavailable is not null) json["torch_unavailable"] = TorchUnavailable;
        foreach (var r in Results)
        {
            var entry = new JsonObject { ["ours"] = r.Ours.ToJson(), ["ours_cpu"] = r.OursCpu.ToJson() };
            if (r.Ort is { } o)
            {
                entry["ort"] = o.ToJson(); entry["ort_cpu"] = r.OrtCpu!.ToJson(); entry["ort_threads"] = r.OrtThreads;
                entry["ratio_ort_over_ours"] = Math.Round(r.OrtRatio!.Value, 3); entry["ratio_ort_over_ours_min"] = Math.Round(r.OrtMinRatio!.Value, 3);
            }
            if (r.Torch is { } t)
            {
                entry["torch"] = t.ToJson(); entry["torch_threads"] = r.TorchThreads;
                entry["ratio_torch_over_ours"] = Math.Round(r.TorchRatio!.Value, 3); entry["ratio_torch_over_ours_min"] = Math.Round(r.TorchMinRatio!.Value, 3);
            }
            json[r.Key] = entry;
        }
        return json;
    }
}

/// <summary>
/// `offsafe-bench infer`: the twin-head 2 x 256 safety critic (obs 2, action 2) scoring 1, 100 and
/// 4096 rows. Ours is <see cref="SafetyCritic.Score"/>, the path the service and online jobs use
/// (normalisation included); ONNX Runtime runs the same critic exported by
/// <see cref="CriticOnnxExport"/> (CPU provider, sequential, 1 and 2 intra-op threads); PyTorch runs
/// the script's own critic of the same shape (no normalisation) at 1 and 2 threads. The sides run in
/// alternation, round after round, so a burst of load on the shared machine hits all of them alike;
/// each figure is the mean time per call within a round, reported as min, median and max over rounds
/// (both ours and ONNX Runtime also in process CPU time, which waiting for a core on a shared machine
/// does not inflate, and which on one thread each compares the engines per core).
/// </summary>
public sealed class InferenceBenchmark(TorchAnchor torch)
{
    public static readonly (int Rows, string Key, int Repetitions)[] Batches =
        [(1, "infer_b1_us", 20000), (100, "infer_b100_us", 2000), (4096, "infer_b4096_us", 100)];
    /// <summary>The anchors' thread settings by default: each anchor's best of them is kept per batch.</summary>
    public static readonly int[] DefaultAnchorThreads = [1, 2];
    private const int Obs = 2, Act = 2, Warmup = 20;

    public InferenceBenchReport Run(ComputeOptions compute, IReadOnlyList<int> ortThreads, int rounds, double scale, bool runTorch,
        IProgress<string>? progress, CancellationToken ct)
    {
        var random = new Xoshiro256StarStar(3);
        var normalization = new Normalization([0.1f, -0.2f], [1.5f, 0.7f], [0f, 0f], [0.5f, 0.5f], [-1f, -1f], [1f, 1f]);
        var critic = SafetyCritic.Create(CriticArchitecture.TwoBy256, normalization, random).Clone(compute);
        byte[] model;
        using (var stream = new MemoryStream())
        {
            CriticOnnxExport.Write(critic, stream);
            model = stream.ToArray();
        }

        var inputs = Batches.Select(b =>
        {
            var obs = new float[b.Rows * Obs];
            var action = new float[b.Rows * Act];
            random.FillNormal(obs);
            random.FillUniform(action, -1f, 1f);
            return (Obs: obs, Action: action, Risk: new float[b.Rows]);
        }).ToArray();
        var sessions = new List<(int Batch, OnnxRuntimeSession Session)>();
        try
        {
            for (int b = 0; b < Batches.Length; b++)
                foreach (int t in ortThreads)
                    sessions.Add((b, new OnnxRuntimeSession(model, t,
                        [(CriticOnnxExport.ObsInput, inputs[b].Obs, [Batches[b].Rows, Obs]), (CriticOnnxExport.ActionInput, inputs[b].Action, [Batches[b].Rows, Act])],
                        [(CriticOnnxExport.RiskOutput, new float[Batches[b].Rows], [Batches[b].Rows])])));

            string? unavailable = runTorch ? torch.Unavailable() : "skipped (--skip-torch)";
            string? torchVersion = null;
            var ours = Batches.Select(_ => new List<double>()).ToArray();
            var oursCpu = Batches.Select(_ => new List<double>()).ToArray();
            var ort = new Dictionary<(int Batch, int Threads), List<double>>();
            var ortCpu = new Dictionary<(int Batch, int Threads), List<double>>();
            var pytorch = new Dictionary<(int Batch, int Threads), List<double>>();
            for (int round = 1; round <= rounds; round++)
            {
                for (int b = 0; b < Batches.Length; b++)
                {
                    progress?.Report($"round {round}/{rounds}: ours, {Batches[b].Key}");
                    var x = inputs[b];
                    int rows = Batches[b].Rows;
                    var time = StepTimer.Measure(() => critic.Score(x.Obs, x.Action, rows, x.Risk), Batches[b].Repetitions, scale, Warmup, ct);
                    ours[b].Add(1e6 * time.WallSeconds);
                    oursCpu[b].Add(1e6 * time.CpuSeconds);
                }
                foreach (var (b, session) in sessions)
                {
                    progress?.Report($"round {round}/{rounds}: ONNX Runtime, {session.Threads} thread(s), {Batches[b].Key}");
                    var time = StepTimer.Measure(session.Run, Batches[b].Repetitions, scale, Warmup, ct);
                    Add(ort, (b, session.Threads), 1e6 * time.WallSeconds);
                    Add(ortCpu, (b, session.Threads), 1e6 * time.CpuSeconds);
                }
                if (unavailable is null)
                    foreach (int t in DefaultAnchorThreads)
                    {
                        progress?.Report($"round {round}/{rounds}: PyTorch, {t} thread(s)");
                        var run = torch.Run(t, scale, workloads: true, peak: false, [], ct, inferOnly: true);
                        torchVersion = run.TorchVersion;
                        for (int b = 0; b < Batches.Length; b++)
                            if (run.Figures.TryGetValue(Batches[b].Key, out double us)) Add(pytorch, (b, t), us);
                    }
            }

            var results = Batches.Select((batch, b) =>
            {
                var (ortSpread, ortBest) = Best(ort, b);
                var (torchSpread, torchThreads) = Best(pytorch, b);
                Spread? ortCpuSpread = ortBest is int t ? Spread.Of(ortCpu[(b, t)]) : null;
                return new InferenceResult(batch.Key, Spread.Of(ours[b]), Spread.Of(oursCpu[b]), ortSpread, ortCpuSpread, ortBest, torchSpread, torchThreads);
            }).ToList();
            return new InferenceBenchReport(rounds, scale, compute.Threads, OfflineSafety.Nn.Kernels.Gemm.KernelName(compute), [.. ortThreads], results, OnnxRuntimeSession.Version,
                torchVersion, unavailable);
        }
        finally
        {
            foreach (var (_, session) in sessions) session.Dispose();
        }
    }

    private static void Add(Dictionary<(int, int), List<double>> figures, (int, int) key, double value)
    {
        if (!figures.TryGetValue(key, out var list)) figures[key] = list = [];
        list.Add(value);
    }

    // The anchor's best thread setting for one batch: the one with the lowest median over rounds.
    private static (Spread? Spread, int? Threads) Best(Dictionary<(int Batch, int Threads), List<double>> figures, int batch)
    {
        var best = figures.Where(kv => kv.Key.Batch == batch).Select(kv => (Spread: Spread.Of(kv.Value), kv.Key.Threads)).OrderBy(s => s.Spread.Median).ToList();
        return best.Count == 0 ? (null, null) : (best[0].Spread, best[0].Threads);
    }
}
