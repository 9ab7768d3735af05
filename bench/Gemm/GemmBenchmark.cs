using OfflineSafety.Bench.Timing;
using OfflineSafety.Nn.Kernels;
using KernelGemm = OfflineSafety.Nn.Kernels.Gemm;

namespace OfflineSafety.Bench.Gemm;

/// <summary>A product C[m, n] = A[m, k] B[k, n] (optionally with A or B transposed in memory).</summary>
public sealed record GemmShape(int M, int N, int K, bool TransA = false, bool TransB = false)
{
    public double Flops => 2.0 * M * N * K;

    /// <summary>"MxNxK" as torch_workloads.py --sgemm takes it.</summary>
    public string Dimensions => $"{M}x{N}x{K}";

    public override string ToString() => Dimensions + (TransA ? " A^T" : "") + (TransB ? " B^T" : "");

    public static GemmShape Parse(string text)
    {
        var parts = text.Split('x');
        if (parts.Length != 3 || !int.TryParse(parts[0], out int m) || !int.TryParse(parts[1], out int n) || !int.TryParse(parts[2], out int k)
            || m <= 0 || n <= 0 || k <= 0)
            throw new FormatException($"GEMM shape '{text}' is not MxNxK with positive integers (e.g. 256x256x256).");
        return new GemmShape(m, n, k);
    }
}

public sealed record GemmMeasurement(GemmShape Shape, int Threads, double Seconds)
{
    public double Gflops => Shape.Flops / Seconds / 1e9;
}

/// <summary>Throughput of <see cref="KernelGemm.Sgemm"/> on given shapes, for comparison with the machine's BLAS.</summary>
public static class GemmBenchmark
{
    /// <summary>Square products, the sizes a linear layer of the project's critics runs, and a large one near peak.</summary>
    public static IReadOnlyList<GemmShape> DefaultShapes { get; } =
    [
        new(256, 256, 256),
        new(256, 256, 256, TransB: true),
        new(256, 256, 256, TransA: true),
        new(4096, 256, 260),
        new(4096, 256, 256, TransB: true),
        new(100, 256, 256, TransB: true),
        new(1024, 1024, 1024),
    ];

    public static GemmMeasurement Measure(GemmShape shape, ComputeOptions options, double scale, CancellationToken ct)
    {
        var rng = new Random(1);
        var a = new float[shape.M * shape.K];
        var b = new float[shape.K * shape.N];
        var c = new float[shape.M * shape.N];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() - 0.5);
        for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextDouble() - 0.5);
        int lda = shape.TransA ? shape.M : shape.K, ldb = shape.TransB ? shape.K : shape.N;
        void Step() => KernelGemm.Sgemm(shape.TransA, shape.TransB, shape.M, shape.N, shape.K, 1f, a, lda, b, ldb, 0f, c, shape.N, options);

        // About half a second of work per round; best of three rounds, as the torch side measures it,
        // since the figure is the kernel's capability on a machine other jobs share.
        int repetitions = (int)Math.Max(3, 5e8 / shape.Flops);
        double best = double.MaxValue;
        for (int round = 0; round < 3; round++)
            best = Math.Min(best, StepTimer.MeanSeconds(Step, repetitions, scale, warmup: 2, ct));
        return new GemmMeasurement(shape, options.Threads, best);
    }
}
