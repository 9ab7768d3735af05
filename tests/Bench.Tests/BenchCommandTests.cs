using System.Diagnostics;
using System.Text.Json;
using OfflineSafety.Bench.Anchors;
using OfflineSafety.Bench.Gemm;
using OfflineSafety.Bench.Nn;
using OfflineSafety.Bench.Timing;

namespace OfflineSafety.Bench.Tests;

public sealed class BenchCommandTests
{
    private static readonly string[] WorkloadKeys = ["critic_update_ms", "maml_iter_ms", "sac_update_ms", "infer_b1_us", "infer_b100_us", "infer_b4096_us"];

    [Fact]
    public async Task Bench_nn_runs_every_workload_and_prints_the_anchor_keys()
    {
        // --skip-torch keeps the test independent of PyTorch being installed; --scale makes each
        // workload run its minimum of 5 timed steps.
        var r = await RunBench("nn", "--skip-torch", "--rounds", "2", "--scale", "0.001", "--threads", "1", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        var root = json.RootElement;
        foreach (string key in WorkloadKeys)
        {
            Assert.True(root.GetProperty(key).GetDouble() > 0, key);
            Assert.True(root.GetProperty("cpu").GetProperty(key).GetDouble() > 0, key);
            var ours = root.GetProperty("spread").GetProperty(key).GetProperty("ours");
            Assert.Equal(root.GetProperty(key).GetDouble(), ours.GetProperty("median").GetDouble());
            Assert.InRange(ours.GetProperty("median").GetDouble(), ours.GetProperty("min").GetDouble(), ours.GetProperty("max").GetDouble());
        }
        Assert.Equal(2, root.GetProperty("rounds").GetInt32());
        Assert.Empty(root.GetProperty("torch").EnumerateObject());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("sgemm_peak_gflops").ValueKind);
        Assert.True(root.GetProperty("gflops").GetProperty("infer_b4096").GetDouble() > 0);
        Assert.True(root.GetProperty("gflops").GetProperty("critic_update").GetDouble() > 0);
        Assert.Equal(1, root.GetProperty("threads").GetInt32());
        Assert.Contains("skipped", root.GetProperty("torch_unavailable").GetString());
    }

    [Fact]
    public async Task Bench_infer_times_ours_beside_onnx_runtime_for_each_batch()
    {
        var r = await RunBench("infer", "--skip-torch", "--rounds", "3", "--scale", "0.001", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        var root = json.RootElement;
        foreach (string key in new[] { "infer_b1_us", "infer_b100_us", "infer_b4096_us" })
        {
            var entry = root.GetProperty(key);
            var ours = entry.GetProperty("ours");
            Assert.InRange(ours.GetProperty("median").GetDouble(), ours.GetProperty("min").GetDouble(), ours.GetProperty("max").GetDouble());
            Assert.True(entry.GetProperty("ort").GetProperty("median").GetDouble() > 0, key);
            Assert.Contains(entry.GetProperty("ort_threads").GetInt32(), new[] { 1, 2 });
            Assert.True(entry.GetProperty("ratio_ort_over_ours").GetDouble() > 0, key);
            Assert.True(entry.GetProperty("ratio_ort_over_ours_min").GetDouble() > 0, key);
            Assert.True(entry.GetProperty("ours_cpu").GetProperty("median").GetDouble() > 0, key);
            Assert.True(entry.GetProperty("ort_cpu").GetProperty("median").GetDouble() > 0, key);
        }
        Assert.Equal(3, root.GetProperty("rounds").GetInt32());
        Assert.Contains("skipped", root.GetProperty("torch_unavailable").GetString());
    }

    [Fact]
    public async Task Bench_infer_compares_one_core_each_when_asked()
    {
        var r = await RunBench("infer", "--skip-torch", "--rounds", "1", "--scale", "0.001", "--threads", "1", "--ort-threads", "1", "--kernel", "Scalar", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("our_threads").GetInt32());
        Assert.Equal("scalar 4x4", root.GetProperty("our_kernel").GetString());
        Assert.Equal(1, root.GetProperty("infer_b100_us").GetProperty("ort_threads").GetInt32());
        Assert.Equal(1, root.GetProperty("ort_thread_settings").GetArrayLength());
    }

    [Fact]
    public async Task Bench_gemm_times_the_requested_shapes()
    {
        var r = await RunBench("gemm", "--skip-torch", "--shape", "64x48x40", "3x5x7", "--scale", "0.001", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        var shapes = json.RootElement.GetProperty("shapes").EnumerateArray().ToList();
        Assert.Equal(["64x48x40", "3x5x7"], shapes.Select(s => s.GetProperty("shape").GetString()));
        Assert.All(shapes, s => Assert.True(s.GetProperty("gflops").GetDouble() > 0));
    }

    [Fact]
    public async Task Bench_store_measures_both_backends_and_counts_footer_bytes()
    {
        var r = await RunBench("store", "--rows", "5000", "--rounds", "1", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        var root = json.RootElement;
        foreach (var backend in new[] { "local", "azure" })
        {
            var f = root.GetProperty(backend);
            Assert.Equal(5000, f.GetProperty("rows").GetInt64());
            Assert.True(f.GetProperty("ingest").GetProperty("seconds").GetDouble() > 0, backend);
            Assert.True(f.GetProperty("scan").GetProperty("seconds").GetDouble() > 0, backend);
            long data = f.GetProperty("dataBytes").GetInt64(), show = f.GetProperty("showBytes").GetInt64();
            Assert.InRange(show, 1, data / 10);
        }
        Assert.True(root.GetProperty("azure").GetProperty("ingest").GetProperty("azuriteCpuSeconds").GetDouble() > 0);
        Assert.True(root.GetProperty("ingestRatio").GetDouble() > 0);
    }

    [Fact]
    public async Task Bench_growth_times_each_workload_at_each_size_and_its_growth_between_sizes()
    {
        var r = await RunBench("growth", "--ingest-rows", "2000", "4000", "--commits", "5", "10", "--tasks", "1", "2",
            "--adapt-rows", "50", "100", "--meta-iterations", "2", "--adapt-steps", "3", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        var points = json.RootElement.GetProperty("points").EnumerateArray().ToList();
        // Two sizes each: ingest, snapshot from checkpoints, snapshot by JSON replay, MESA, adaptation.
        Assert.Equal(10, points.Count);
        Assert.All(points, p => Assert.True(p.GetProperty("seconds").GetDouble() > 0, p.ToString()));
        Assert.All(points.Where(p => p.GetProperty("workload").GetString()!.StartsWith("ingest", StringComparison.Ordinal)),
            p => Assert.True(p.GetProperty("peak_working_set_bytes").GetInt64() > 0));
        var growth = json.RootElement.GetProperty("growth").EnumerateArray().ToList();
        Assert.Equal(5, growth.Count);
        Assert.All(growth, g => Assert.True(double.IsFinite(g.GetProperty("exponent").GetDouble()), g.ToString()));
        Assert.All(growth, g => Assert.Equal(2.0, g.GetProperty("size_ratio").GetDouble()));
    }

    [Fact]
    public async Task Bench_growth_refuses_a_size_that_is_not_positive()
    {
        var r = await RunBench("growth", "--commits", "10", "0");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--commits takes positive whole numbers", r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("nn", "--threads", "0", "--threads must be at least 1")]
    [InlineData("nn", "--scale", "-1", "--scale must be a positive number")]
    [InlineData("nn", "--rounds", "0", "--rounds must be at least 1")]
    [InlineData("nn", "--only", "sac_update", "--only: no workload 'sac_update'")]
    [InlineData("gemm", "--shape", "12x4", "GEMM shape '12x4' is not MxNxK")]
    public async Task Bad_arguments_give_one_line_on_stderr_and_a_failure_exit(string sub, string option, string value, string message)
    {
        var r = await RunBench(sub, option, value, "--skip-torch");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Torch_output_is_read_into_figures_peak_and_shapes()
    {
        var run = TorchAnchor.Parse(2, """
            {"threads": 2, "torch_version": "1.13.0", "critic_update_ms": 3.5, "maml_iter_ms": 40.0,
             "infer_b100_us": 250.0, "sgemm_peak_gflops": 140.5, "sgemm_gflops": {"256x256x256": 90.0},
             "cpu": {"critic_update_ms": 6.5}}
            """);
        Assert.Equal(2, run.Threads);
        Assert.Equal("1.13.0", run.TorchVersion);
        Assert.Equal(3.5, run.Figures["critic_update_ms"]);
        Assert.Equal(250.0, run.Figures["infer_b100_us"]);
        Assert.False(run.Figures.ContainsKey("threads"));
        Assert.Equal(6.5, run.CpuFigures["critic_update_ms"]);
        Assert.Equal(140.5, run.SgemmPeakGflops);
        Assert.Equal(90.0, run.SgemmGflops["256x256x256"]);
    }

    [Fact]
    public void Report_json_has_ratio_torch_over_ours_and_fraction_of_peak()
    {
        var report = new NnBenchReport(2, 1.0, 3,
        [
            new NnWorkloadResult("critic_update_ms", Ours: Spread.Of([2.0, 1.9, 2.4]), OursCpu: Spread.Of([3.0]), Torch: Spread.Of([5.0, 4.0, 7.0]),
                TorchCpu: Spread.Of([6.0]), TorchThreads: 1, GemmGflops: 85.0),
            new NnWorkloadResult("maml_iter_ms", Ours: Spread.Of([10.0]), OursCpu: Spread.Of([10.0]), Torch: null, TorchCpu: null, TorchThreads: null, GemmGflops: null),
        ], SgemmPeakGflops: 170.0, TorchVersion: "1.13.0", TorchUnavailable: null);
        var json = report.ToJson();
        Assert.Equal(2.0, (double)json["critic_update_ms"]!);
        Assert.Equal(5.0, (double)json["torch"]!["critic_update_ms"]!);
        Assert.Equal(2.5, (double)json["ratio"]!["critic_update_ms"]!);
        // On the fastest rounds: 4.0 / 1.9.
        Assert.Equal(Math.Round(4.0 / 1.9, 4), (double)json["ratio_min"]!["critic_update_ms"]!);
        Assert.Equal(25.0, (double)json["spread"]!["critic_update_ms"]!["ours"]!["spread_pct"]!);
        Assert.Null(json["ratio"]!["maml_iter_ms"]);
        Assert.Equal(0.5, (double)json["fraction_of_sgemm_peak"]!["critic_update"]!);
        Assert.Equal(170.0, (double)json["sgemm_peak_gflops"]!);
        Assert.Equal(2.0, (double)json["cpu_ratio"]!["critic_update_ms"]!);
        Assert.Equal(4.0, (double)json["spread"]!["critic_update_ms"]!["torch"]!["min"]!);
        Assert.Equal(2.4, (double)json["spread"]!["critic_update_ms"]!["ours"]!["max"]!);
        Assert.Equal(3, (int)json["rounds"]!);
    }

    [Fact]
    public void A_spread_prints_min_median_max_and_the_ratio_on_both()
    {
        var ours = Spread.Of([2.0, 1.9, 2.4]);
        Assert.Equal(0.25, ours.RelativeSpread, 12);
        Assert.Equal("1.900 / 2.000 / 2.400 (25%)", ours.Format());
        Assert.Equal("1234 / 1500 / 1600 (24%)", Spread.Of([1234.0, 1500.0, 1600.0]).Format());
        Assert.Equal("2.11x / 2.50x", Spread.FormatRatio(Spread.Of([5.0, 4.0, 7.0]), ours));
        Assert.Equal("-", Spread.FormatRatio(null, ours));
    }

    [Fact]
    public void Workload_flop_counts_follow_the_layer_shapes()
    {
        // infer_b4096: 2 * 4096 * (4*256 + 256*256 + 256*2)
        Assert.Equal(2.0 * 4096 * (4 * 256 + 256 * 256 + 256 * 2), NnWorkloads.LayerFlops(4096, 4, 256, 256, 2));
        Assert.Equal(2.0 * 4096 * 256 * 260, new GemmShape(4096, 256, 260).Flops);
    }

    private static Task<BenchProcess.Result> RunBench(params string[] args) => BenchProcess.RunAsync(args);
}
