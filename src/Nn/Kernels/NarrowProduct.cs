using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OfflineSafety.Nn.Kernels;

/// <summary>
/// C = act(alpha * A B^T + bias + beta * C) for at most four output columns with A and B both
/// row-contiguous: a linear layer with few outputs (critic heads, Q heads, actor mean/log-std).
/// The tiled GEMM would pad such a product to a full 16-wide tile and waste most of its FMAs; here
/// each output is a dot product of two contiguous rows, four rows of A at a time so that every
/// loaded chunk of B feeds four FMAs.
/// </summary>
internal static unsafe class NarrowProduct
{
    public const int MaxColumns = 4;
    private const int RowBlock = 4;
    private const double ParallelMinFlops = 4e6;
    // A head over a batch (256 rows of a 256-wide layer) is a few microseconds of arithmetic, but its
    // rows of A were just written by the split product before it, half of them on the other core:
    // split by the same rows, each core reads its own (see GemmDriver.ParallelMinOutputs).
    private const long ParallelMinInputs = 32 * 1024;

    public static bool Applies(in GemmProblem p) =>
        !p.TransA && p.TransB && p.N <= MaxColumns && p.K >= Vector256<float>.Count && Vector256.IsHardwareAccelerated;

    public static void Run(GemmProblem p, int threads)
    {
        int blocks = (p.M + RowBlock - 1) / RowBlock;
        bool small = 2.0 * p.M * p.N * p.K < ParallelMinFlops && (long)p.M * p.K < ParallelMinInputs;
        int parts = small ? 1 : Math.Min(threads, blocks);
        if (parts <= 1)
        {
            RunRows(p, 0, p.M);
            return;
        }
        KernelSplit.Run(p, parts, &RunPart);
    }

    // Every element is computed the same way whichever part owns its row, so the split only
    // changes speed, not results.
    private static void RunPart(in GemmProblem p, int part, int parts)
    {
        int blocks = (p.M + RowBlock - 1) / RowBlock;
        RunRows(p, (int)((long)blocks * part / parts) * RowBlock, Math.Min(p.M, (int)((long)blocks * (part + 1) / parts) * RowBlock));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRows(in GemmProblem p, int begin, int end)
    {
        float* a = (float*)p.A, b = (float*)p.B, c = (float*)p.C, bias = (float*)p.Bias;
        int i = begin;
        for (; i + RowBlock <= end; i += RowBlock)
        {
            float* a0 = a + (nint)i * p.Lda;
            int j = 0;
            for (; j + 2 <= p.N; j += 2)
                Dot4x2(p, a0, b + (nint)j * p.Ldb, c + (nint)i * p.Ldc + j, bias == null ? null : bias + j);
            if (j < p.N)
                Dot4x1(p, a0, b + (nint)j * p.Ldb, c + (nint)i * p.Ldc + j, bias == null ? null : bias + j);
        }
        for (; i < end; i++)
            for (int j = 0; j < p.N; j++)
            {
                float* ai = a + (nint)i * p.Lda, bj = b + (nint)j * p.Ldb;
                var acc = Vector256<float>.Zero;
                int k8 = p.K & ~7;
                for (int k = 0; k < k8; k += 8)
                    acc = Vector256.FusedMultiplyAdd(Vector256.Load(ai + k), Vector256.Load(bj + k), acc);
                Store(p, c + (nint)i * p.Ldc + j, Finish(acc, ai, bj, k8, p.K), bias == null ? null : bias + j);
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4x2(in GemmProblem p, float* a0, float* b0, float* c, float* bias)
    {
        float* a1 = a0 + p.Lda, a2 = a1 + p.Lda, a3 = a2 + p.Lda, b1 = b0 + p.Ldb;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default,
            c20 = default, c21 = default, c30 = default, c31 = default;
        int k8 = p.K & ~7;
        for (int k = 0; k < k8; k += 8)
        {
            var w0 = Vector256.Load(b0 + k);
            var w1 = Vector256.Load(b1 + k);
            var x = Vector256.Load(a0 + k);
            c00 = Vector256.FusedMultiplyAdd(x, w0, c00); c01 = Vector256.FusedMultiplyAdd(x, w1, c01);
            x = Vector256.Load(a1 + k);
            c10 = Vector256.FusedMultiplyAdd(x, w0, c10); c11 = Vector256.FusedMultiplyAdd(x, w1, c11);
            x = Vector256.Load(a2 + k);
            c20 = Vector256.FusedMultiplyAdd(x, w0, c20); c21 = Vector256.FusedMultiplyAdd(x, w1, c21);
            x = Vector256.Load(a3 + k);
            c30 = Vector256.FusedMultiplyAdd(x, w0, c30); c31 = Vector256.FusedMultiplyAdd(x, w1, c31);
        }
        float* bias1 = bias == null ? null : bias + 1;
        Store(p, c, Finish(c00, a0, b0, k8, p.K), bias); Store(p, c + 1, Finish(c01, a0, b1, k8, p.K), bias1);
        c += p.Ldc;
        Store(p, c, Finish(c10, a1, b0, k8, p.K), bias); Store(p, c + 1, Finish(c11, a1, b1, k8, p.K), bias1);
        c += p.Ldc;
        Store(p, c, Finish(c20, a2, b0, k8, p.K), bias); Store(p, c + 1, Finish(c21, a2, b1, k8, p.K), bias1);
        c += p.Ldc;
        Store(p, c, Finish(c30, a3, b0, k8, p.K), bias); Store(p, c + 1, Finish(c31, a3, b1, k8, p.K), bias1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4x1(in GemmProblem p, float* a0, float* b0, float* c, float* bias)
    {
        float* a1 = a0 + p.Lda, a2 = a1 + p.Lda, a3 = a2 + p.Lda;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        int k8 = p.K & ~7;
        for (int k = 0; k < k8; k += 8)
        {
            var w = Vector256.Load(b0 + k);
            c0 = Vector256.FusedMultiplyAdd(Vector256.Load(a0 + k), w, c0);
            c1 = Vector256.FusedMultiplyAdd(Vector256.Load(a1 + k), w, c1);
            c2 = Vector256.FusedMultiplyAdd(Vector256.Load(a2 + k), w, c2);
            c3 = Vector256.FusedMultiplyAdd(Vector256.Load(a3 + k), w, c3);
        }
        Store(p, c, Finish(c0, a0, b0, k8, p.K), bias);
        Store(p, c + p.Ldc, Finish(c1, a1, b0, k8, p.K), bias);
        Store(p, c + 2 * (nint)p.Ldc, Finish(c2, a2, b0, k8, p.K), bias);
        Store(p, c + 3 * (nint)p.Ldc, Finish(c3, a3, b0, k8, p.K), bias);
    }

    // Lanes are summed in one fixed order, then the k % 8 leftover products are added in index order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(Vector256<float> acc, float* a, float* b, int k8, int k)
    {
        float sum = Vector256.Sum(acc);
        for (int p = k8; p < k; p++) sum = MathF.FusedMultiplyAdd(a[p], b[p], sum);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(in GemmProblem p, float* c, float dot, float* bias) =>
        *c = Activations.Apply(p.Activation, Epilogue.Combine(dot, p.Alpha, p.Beta, c, bias == null ? 0f : *bias, bias != null));
}
