using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Nn.Tests.Kernels;

public class GemmTests
{
    private static readonly int[] EdgeSizes = [1, 3, 4, 100, 256];

    public static TheoryData<GemmKernel> NativeKernels()
    {
        var kernels = new TheoryData<GemmKernel> { GemmKernel.Scalar };
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported && System.Runtime.Intrinsics.X86.Avx2.IsSupported) kernels.Add(GemmKernel.Avx2);
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported) kernels.Add(GemmKernel.Avx512);
        return kernels;
    }

    [Theory]
    [MemberData(nameof(NativeKernels))]
    public void Sgemm_matches_float64_reference_for_edge_sizes_and_all_transposes(GemmKernel kernel)
    {
        var options = new ComputeOptions { Kernel = kernel, Threads = 1 };
        int seed = 0;
        foreach (int m in EdgeSizes)
            foreach (int n in EdgeSizes)
                foreach (int k in EdgeSizes)
                {
                    // The full cube at 256 is slow in the float64 reference and adds nothing over its faces.
                    if (m * n * k > 256 * 256 * 100) continue;
                    bool transA = (seed & 1) != 0, transB = (seed & 2) != 0;
                    CheckSgemm(transA, transB, m, n, k, 1f, 0f, extraLd: 0, options, seed++);
                }
    }

    [Theory]
    [MemberData(nameof(NativeKernels))]
    public void Sgemm_honours_alpha_beta_and_padded_leading_dimensions(GemmKernel kernel)
    {
        var options = new ComputeOptions { Kernel = kernel, Threads = 1 };
        int seed = 100;
        foreach (bool transA in new[] { false, true })
            foreach (bool transB in new[] { false, true })
                foreach (var (alpha, beta) in new[] { (1f, 1f), (-0.5f, 2f), (2f, -1f), (0.25f, 0f) })
                    foreach (var (m, n, k) in new[] { (7, 19, 13), (13, 33, 5), (1, 17, 300), (50, 1, 9) })
                        CheckSgemm(transA, transB, m, n, k, alpha, beta, extraLd: 3, options, seed++);
    }

    [Fact]
    public void Sgemm_handles_a_4096_dimension_and_k_beyond_one_cache_block()
    {
        var options = new ComputeOptions { Threads = 2 };
        CheckSgemm(false, true, 4096, 5, 3, 1f, 0f, 0, options, 1);
        CheckSgemm(true, false, 3, 4096, 4, 1f, 1f, 1, options, 2);
        CheckSgemm(false, false, 4, 3, 4096, 1f, 0.5f, 0, options, 3);
        CheckSgemm(true, true, 9, 2100, 600, -1f, 0f, 2, options, 4);
    }

    [Fact]
    public void Vector512_tiles_are_correct_even_where_they_run_in_software()
    {
        // Vector512 falls back to software on CPUs without AVX-512, so this checks the 12 x 32 tile
        // and its edge handling on any machine (small sizes: emulation is slow).
        var options = new ComputeOptions { Kernel = GemmKernel.Avx512, Threads = 1 };
        CheckSgemm(false, false, 12, 32, 7, 1f, 0f, 0, options, 5);
        CheckSgemm(true, true, 25, 70, 260, 0.5f, 1.5f, 3, options, 6);
        CheckSgemm(false, true, 1, 3, 4, 1f, 0f, 0, options, 7);
        // Row-major A and transposed B take the register-transpose packers (12-row strips: two 8-row blocks).
        CheckSgemm(false, true, 26, 40, 19, 1f, 0.5f, 1, options, 8);
    }

    [Fact]
    public void Every_native_kernel_gives_bit_identical_results()
    {
        // Auto picks a different tile on different CPUs (GemmDriver.Resolve); a trained model must not
        // depend on which: every tile sums each output over k in the same order with fused multiply-adds.
        int m = 150, n = 100, k = 300;
        var x = Reference.Random(m * k, 11);
        var w = Reference.Random(n * k, 12);
        var bias = Reference.Random(n, 13);
        if (!(System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.X86.Avx2.IsSupported)) return;
        float[]? first = null;
        foreach (var kernel in new[] { GemmKernel.Avx2, GemmKernel.Avx512 })
        {
            var y = new float[m * n];
            Gemm.LinearForward(x, m, k, w, bias, n, y, Activation.Sigmoid, new ComputeOptions { Kernel = kernel, Threads = 1 });
            if (first is null) first = y;
            else Assert.Equal(first, y);
        }
    }

    [Fact]
    public void A_transposed_A_read_in_place_gives_the_tiles_fused_chain_bit_for_bit()
    {
        // A weight gradient dY^T X: op(A) = A^T with k >= 16 is read where it lies (strided by lda)
        // instead of packed. Rows past the last full tile take the few-row kernel, 14 columns over a
        // strip the stack tile, 4 (20, 100) the narrow edge kernel; lda > m checks the stride; 2
        // threads the row split.
        if (!System.Runtime.Intrinsics.X86.Fma.IsSupported) return;
        int seed = 900;
        var kernels = System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? new[] { GemmKernel.Avx2, GemmKernel.Avx512 } : [GemmKernel.Avx2];
        foreach (var kernel in kernels)
        foreach (int threads in new[] { 1, 2 })
        {
            var options = new ComputeOptions { Kernel = kernel, Threads = threads };
            foreach (int m in new[] { 6, 13, 100, 256 })
                foreach (int n in new[] { 16, 20, 30, 100, 256 })
                    foreach (int k in new[] { 16, 100, 256 })
                        foreach (int pad in new[] { 0, 3 })
                            foreach (var (alpha, beta) in new[] { (0.5f, 1f), (1f, 0f) })
                            {
                                seed++;
                                int lda = m + pad;
                                AssertFusedChain(options, true, m, n, k, alpha, k * lda, lda, beta, seed, $"{kernel} threads={threads} lda={lda}");
                            }
        }
    }

    [Fact]
    public void A_narrow_last_strip_gives_the_tiles_fused_chain_bit_for_bit()
    {
        // Column counts that leave 1-8 columns over a strip (100 = 6 x 16 + 4) take NarrowEdge, row
        // counts past 12 mix its 12- and 6-row calls with the few-row kernel. Every output must equal
        // the tiles' chain: fma from zero over k ascending, then alpha, bias, fused beta * C, activation.
        foreach (var kernel in new[] { GemmKernel.Avx2, GemmKernel.Avx512 })
        {
            if (!System.Runtime.Intrinsics.X86.Fma.IsSupported) return;
            var options = new ComputeOptions { Kernel = kernel, Threads = 1 };
            int seed = 300;
            foreach (int m in new[] { 6, 12, 18, 31, 100 })
                foreach (int n in new[] { 3, 8, 20, 24, 36, 100 })
                    foreach (int k in new[] { 1, 7, 256 })
                        foreach (bool transA in new[] { false, true })
                            foreach (var (alpha, beta) in new[] { (0.5f, 0f), (0.5f, 1f), (1f, 0f), (1f, 1f) })
                            {
                                seed++;
                                AssertFusedChain(options, transA, m, n, k, alpha, m * k, transA ? m : k, beta, seed, $"{kernel} transA={transA}");
                            }
            // A linear layer (bias and ReLU in the epilogue, written from the registers when alpha is 1).
            foreach (int m in new[] { 6, 31, 100 })
                foreach (int n in new[] { 5, 20, 100 })
                    foreach (int k in new[] { 3, 100 })
                    {
                        seed++;
                        var x = Reference.Random(m * k, seed * 5 + 1);
                        var w = Reference.Random(n * k, seed * 5 + 2);
                        var bias = Reference.Random(n, seed * 5 + 3);
                        var expected = new float[m * n];
                        for (int i = 0; i < m; i++)
                            for (int j = 0; j < n; j++)
                            {
                                float acc = 0f;
                                for (int p = 0; p < k; p++) acc = MathF.FusedMultiplyAdd(x[i * k + p], w[j * k + p], acc);
                                expected[i * n + j] = MathF.Max(acc + bias[j], 0f);
                            }
                        var y = new float[m * n];
                        Gemm.LinearForward(x, m, k, w, bias, n, y, Activation.Relu, options);
                        Assert.True(expected.AsSpan().SequenceEqual(y), $"{kernel} linear m={m} n={n} k={k}");
                    }
        }
    }

    [Fact]
    public void Results_are_bit_identical_for_every_thread_count()
    {
        int m = 150, n = 70, k = 300;
        var x = Reference.Random(m * k, 1);
        var w = Reference.Random(n * k, 2);
        var bias = Reference.Random(n, 3);
        float[] Run(int threads)
        {
            var y = new float[m * n];
            Gemm.LinearForward(x, m, k, w, bias, n, y, Activation.Tanh, new ComputeOptions { Threads = threads });
            return y;
        }
        var one = Run(1);
        Assert.Equal(one, Run(2));
        Assert.Equal(one, Run(3));
        // A wide, short problem splits over columns instead of rows.
        var a = Reference.Random(20 * 400, 4);
        var b = Reference.Random(400 * 900, 5);
        float[] Wide(int threads)
        {
            var c = new float[20 * 900];
            Gemm.Sgemm(false, false, 20, 900, 400, 1f, a, 400, b, 900, 0f, c, 900, new ComputeOptions { Threads = threads });
            return c;
        }
        Assert.Equal(Wide(1), Wide(2));
        // Few outputs take the dot-product path, split over rows.
        var xs = Reference.Random(4099 * 260, 6);
        var heads = Reference.Random(2 * 260, 7);
        float[] Heads(int threads)
        {
            var y = new float[4099 * 2];
            Gemm.LinearForward(xs, 4099, 260, heads, [0.5f, -0.5f], 2, y, Activation.Sigmoid, new ComputeOptions { Threads = threads });
            return y;
        }
        Assert.Equal(Heads(1), Heads(2));
    }

    [Fact]
    public void Beta_zero_ignores_garbage_in_C_and_alpha_zero_does_not_read_A_or_B()
    {
        var a = Reference.Random(4 * 5, 1);
        var b = Reference.Random(5 * 6, 2);
        var c = Enumerable.Repeat(float.NaN, 4 * 6).ToArray();
        Gemm.Sgemm(false, false, 4, 6, 5, 1f, a, 5, b, 6, 0f, c, 6);
        Assert.DoesNotContain(c, float.IsNaN);

        var nanA = Enumerable.Repeat(float.NaN, 4 * 5).ToArray();
        var ones = Enumerable.Repeat(1f, 4 * 6).ToArray();
        Gemm.Sgemm(false, false, 4, 6, 5, 0f, nanA, 5, b, 6, 3f, ones, 6);
        Assert.All(ones, v => Assert.Equal(3f, v));
    }

    [Fact]
    public void Empty_k_scales_C_by_beta()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.Sgemm(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0.5f, c, 2);
        Assert.Equal(new float[] { 0.5f, 1, 1.5f, 2 }, c);
    }

    [Fact]
    public void Short_buffers_and_bad_leading_dimensions_are_rejected_with_the_matrix_named()
    {
        var ok = new float[16];
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 4, 4, 4, 1f, new float[15], 4, ok, 4, 0f, ok, 4));
        Assert.Contains("a holds 15", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, true, 4, 4, 4, 1f, ok, 4, ok, 3, 0f, ok, 4));
        Assert.Contains("b: leading dimension 3", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, false, -1, 4, 4, 1f, ok, 4, ok, 4, 0f, ok, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ComputeOptions { Threads = 0 });
    }

    [Fact]
    public void OpenBlas_path_agrees_with_the_managed_kernel_or_falls_back_to_it()
    {
        // Where libopenblas.so.0 is installed this compares the two libraries; where it is not, the
        // flag must still produce the managed result rather than fail.
        CheckSgemm(true, false, 37, 45, 29, 0.5f, 1f, 2, new ComputeOptions { UseOpenBlas = true }, 9);
    }

    internal static void CheckSgemm(bool transA, bool transB, int m, int n, int k, float alpha, float beta, int extraLd,
        ComputeOptions options, int seed)
    {
        int lda = (transA ? m : k) + extraLd, ldb = (transB ? k : n) + extraLd, ldc = n + extraLd;
        var a = Reference.Random((transA ? k : m) * lda, seed * 3 + 1);
        var b = Reference.Random((transB ? n : k) * ldb, seed * 3 + 2);
        var c = Reference.Random(m * ldc, seed * 3 + 3);
        var (expected, magnitude) = Reference.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        var padding = (float[])c.Clone();

        Gemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, options);

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double err = Math.Abs(c[i * ldc + j] - expected[i * n + j]);
                double tol = 2e-6 * magnitude[i * n + j] + 1e-6;
                Assert.True(err <= tol,
                    $"{options.Kernel} tA={transA} tB={transB} m={m} n={n} k={k} alpha={alpha} beta={beta}: C[{i},{j}] = {c[i * ldc + j]}, expected {expected[i * n + j]}");
            }
            for (int j = n; j < ldc; j++)
                Assert.True(c[i * ldc + j] == padding[i * ldc + j], $"padding C[{i},{j}] was overwritten");
        }
    }
    /// <summary>The tiles' chain, scalar: fma from zero over k ascending, then alpha, then fused beta * C
    /// (B row-major k x n, C m x n; A m x k, or k x m when transposed).</summary>
    // One random case (inputs drawn from seed) checked bit for bit against the scalar fused chain.
    private static void AssertFusedChain(ComputeOptions options, bool transA, int m, int n, int k, float alpha, int aLength, int lda,
        float beta, int seed, string label)
    {
        var a = Reference.Random(aLength, seed * 5 + 1);
        var b = Reference.Random(k * n, seed * 5 + 2);
        var c = Reference.Random(m * n, seed * 5 + 4);
        var expected = FusedChain(transA, m, n, k, alpha, a, lda, b, beta, c);
        Gemm.Sgemm(transA, false, m, n, k, alpha, a, lda, b, n, beta, c, n, options);
        Assert.True(expected.AsSpan().SequenceEqual(c), $"{label} m={m} n={n} k={k} alpha={alpha} beta={beta}");
    }

    private static float[] FusedChain(bool transA, int m, int n, int k, float alpha, float[] a, int lda, float[] b, float beta, float[] c)
    {
        var expected = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float acc = 0f;
                for (int p = 0; p < k; p++)
                    acc = MathF.FusedMultiplyAdd(transA ? a[p * lda + i] : a[i * lda + p], b[p * n + j], acc);
                expected[i * n + j] = beta != 0f ? MathF.FusedMultiplyAdd(beta, c[i * n + j], acc * alpha) : acc * alpha;
            }
        return expected;
    }
}
