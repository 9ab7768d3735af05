namespace OfflineSafety.Nn.Kernels;

/// <summary>Which micro-kernel the GEMM driver uses. <see cref="Auto"/> picks the fastest one the CPU runs natively: the widest,
/// except on AMD cores before Zen 5 (family 1Ah), which split 512-bit operations into two halves and run the AVX2 tile faster. Every kernel gives bit-identical results.</summary>
public enum GemmKernel
{
    Auto,
    /// <summary>12x32 tiles of Vector512 fused multiply-adds (AVX-512F). Forcing it on a CPU without
    /// AVX-512 still gives correct results through .NET's software Vector512, only slowly; tests use that.</summary>
    Avx512,
    /// <summary>6x16 tiles of Vector256 FMA (AVX2 + FMA3).</summary>
    Avx2,
    /// <summary>4x4 tiles of scalar fused multiply-adds, for CPUs without AVX.</summary>
    Scalar,
}

/// <summary>
/// How the kernels may use the machine. Passed per call rather than held in static state, so two
/// trainers in one process can run with different thread budgets and a benchmark can sweep them.
/// </summary>
public sealed record ComputeOptions
{
    /// <summary>All cores, auto-selected kernel, managed code only.</summary>
    public static ComputeOptions Default { get; } = new();

    private readonly int _threads = Environment.ProcessorCount;

    /// <summary>Most threads one GEMM may use. Results do not depend on it (each output element is
    /// computed by one thread in one fixed order), only the speed does.</summary>
    public int Threads
    {
        get => _threads;
        init => _threads = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Threads), value, "Threads must be at least 1.");
    }

    public GemmKernel Kernel { get; init; } = GemmKernel.Auto;

    /// <summary>Hand plain GEMMs to OpenBLAS's cblas_sgemm when libopenblas.so.0 loads; the managed
    /// path is used when it does not. OpenBLAS keeps its own thread pool, so <see cref="Threads"/> does not apply to it.</summary>
    public bool UseOpenBlas { get; init; }
}
