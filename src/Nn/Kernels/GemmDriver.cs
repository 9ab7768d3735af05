using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OfflineSafety.Nn.Kernels;

/// <summary>
/// One row-major GEMM, C = act(alpha * op(A) op(B) + bias + beta * C), as raw addresses so it can be
/// split into sub-problems and handed to worker threads while the caller keeps the spans pinned.
/// </summary>
internal readonly record struct GemmProblem(
    bool TransA, bool TransB, int M, int N, int K, float Alpha,
    nint A, int Lda, nint B, int Ldb, float Beta, nint C, int Ldc,
    nint Bias, Activation Activation)
{
    /// <summary>Where op(B)'s packed panels are kept between calls (null: pack per call), the matrix's
    /// offset in its tensor and the tensor's version.</summary>
    public PackedPanels? Panels { get; init; }
    public int PanelOffset { get; init; }
    public long PanelVersion { get; init; }

    /// <summary>op(B) already packed into full-k strips (strip s at s * Nr * K); 0 when RunSerial packs it.</summary>
    public nint PackedB { get; init; }
}

/// <summary>
/// The blocked GEMM loop nest (the Goto/BLIS layering): a kc x nc panel of op(B) is packed once and
/// stays in L3, an mc x kc block of op(A) is packed and stays in L2, and a micro-kernel sweeps
/// register tiles over them with one Nr-wide strip of B resident in L1. Packing makes every inner
/// load sequential whatever the transposes and strides, and pads edges with zeros so the tiles
/// never branch on size.
/// </summary>
internal static unsafe class GemmDriver
{
    // kc * Nr * 4 bytes = 16 KiB (AVX2) of B per strip fits L1d; mc * kc * 4 = 120 KiB of A fits L2;
    // the B panel kc * nc * 4 = 2 MiB fits a slice of L3.
    private const int Kc = 256;
    private const int McTarget = 120;
    private const int Nc = 2048;

    // Below this many flops a GEMM takes well under 100 us on one core, and waking a second thread
    // costs more than it saves.
    private const double ParallelMinFlops = 4e6;

    // ...unless its output is this large: a batch-wide product with few inputs (an input layer's
    // 2-4 features, a head's 1-2 outputs fed back as dX) costs a few microseconds of arithmetic, but
    // written on one core its rows are then read by the split products after it, and pulling half of
    // a 256 x 256 output across to the other core costs more than the split.
    private const long ParallelMinOutputs = 32 * 1024;

    // Zen 4 (AMD family 19h) runs a 512-bit FMA as two 256-bit halves, so the 12 x 32 tile has no more
    // flops per cycle than the 6 x 16 one and pads 100- and 256-wide layers more: on a build machine
    // (AMD EPYC with AVX-512) it cost 11-40% more CPU time per engine workload (docs/bench-nn.md).
    // Zen 5 server cores (family 1Ah) execute 512-bit FMAs at full width: there the wide tile took
    // 25-45% less CPU on every engine workload (docs/benchmarks.md, "Inference on Zen 5").
    private static readonly bool SplitsWideVectors = X86Base.IsSupported && IsAmd() && AmdFamily() < 0x1A;

    public static GemmKernel Resolve(GemmKernel requested) => requested switch
    {
        GemmKernel.Auto when Avx512F.IsSupported && !SplitsWideVectors => GemmKernel.Avx512,
        GemmKernel.Auto when Fma.IsSupported && Avx2.IsSupported => GemmKernel.Avx2,
        GemmKernel.Auto => GemmKernel.Scalar,
        GemmKernel.Avx2 when !(Fma.IsSupported && Avx2.IsSupported) =>
            throw new NotSupportedException("The AVX2 GEMM kernel was requested but this CPU has no AVX2/FMA."),
        _ => requested,
    };

    private static bool IsAmd()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        // "AuthenticAMD" in EBX, EDX, ECX order.
        return ebx == 0x68747541 && edx == 0x69746E65 && ecx == 0x444D4163;
    }

    // The displayed family: base family (EAX bits 8-11), plus the extended family (bits 20-27) when the base is 0Fh.
    private static int AmdFamily()
    {
        int eax = X86Base.CpuId(1, 0).Eax;
        int family = (eax >> 8) & 0xF;
        return family == 0xF ? family + ((eax >> 20) & 0xFF) : family;
    }

    public static void Run(in GemmProblem problem, ComputeOptions options)
    {
        switch (Resolve(options.Kernel))
        {
            case GemmKernel.Avx512: Run<Avx512Tile>(problem, options.Threads); break;
            case GemmKernel.Avx2: Run<Avx2Tile>(problem, options.Threads); break;
            default: Run<ScalarTile>(problem, options.Threads); break;
        }
    }

    private static void Run<TTile>(GemmProblem problem, int threads) where TTile : struct, IMicroKernel
    {
        if (problem.M == 0 || problem.N == 0) return;
        if (problem.K == 0 || problem.Alpha == 0f)
        {
            ScaleOnly(problem);
            return;
        }

        if (NarrowProduct.Applies(problem))
        {
            NarrowProduct.Run(problem, threads);
            return;
        }

        double flops = 2.0 * problem.M * problem.N * problem.K;
        int rowTiles = (problem.M + TTile.Mr - 1) / TTile.Mr;
        int colTiles = (problem.N + TTile.Nr - 1) / TTile.Nr;
        bool splitRows = rowTiles >= colTiles;
        int parts = Math.Min(threads, splitRows ? rowTiles : colTiles);
        bool serial = parts <= 1 || (flops < ParallelMinFlops && (long)problem.M * problem.N < ParallelMinOutputs);
        if (problem.Panels is { } panels)
            problem = problem with { PackedB = panels.Acquire<TTile>(problem, split: !serial) };

        if (serial)
        {
            RunSerial<TTile>(problem);
            return;
        }

        RunParallel<TTile>(problem, parts);
    }

    private static void RunParallel<TTile>(GemmProblem problem, int parts) where TTile : struct, IMicroKernel =>
        KernelSplit.Run(problem, parts, &RunPart<TTile>);

    // A fixed contiguous split into whole tiles: each output element is computed by exactly one
    // part, in the same order as the serial loop, so results do not depend on the thread count.
    private static void RunPart<TTile>(in GemmProblem problem, int part, int parts) where TTile : struct, IMicroKernel
    {
        int rowTiles = (problem.M + TTile.Mr - 1) / TTile.Mr;
        int colTiles = (problem.N + TTile.Nr - 1) / TTile.Nr;
        bool splitRows = rowTiles >= colTiles;
        int tiles = splitRows ? rowTiles : colTiles;
        int firstTile = (int)((long)tiles * part / parts), endTile = (int)((long)tiles * (part + 1) / parts);
        RunSerial<TTile>(splitRows
            ? RowSlice(problem, firstTile * TTile.Mr, Math.Min(problem.M, endTile * TTile.Mr))
            : ColumnSlice(problem, firstTile * TTile.Nr, Math.Min(problem.N, endTile * TTile.Nr)));
    }

    private static GemmProblem RowSlice(in GemmProblem p, int begin, int end) => p with
    {
        M = end - begin,
        A = p.A + sizeof(float) * (nint)(p.TransA ? begin : (long)begin * p.Lda),
        C = p.C + sizeof(float) * (nint)((long)begin * p.Ldc),
    };

    private static GemmProblem ColumnSlice(in GemmProblem p, int begin, int end) => p with
    {
        N = end - begin,
        B = p.B + sizeof(float) * (nint)(p.TransB ? (long)begin * p.Ldb : begin),
        // begin is a whole number of strips, each nr wide and K deep.
        PackedB = p.PackedB == 0 ? 0 : p.PackedB + sizeof(float) * (nint)((long)begin * p.K),
        C = p.C + sizeof(float) * (nint)begin,
        Bias = p.Bias == 0 ? 0 : p.Bias + sizeof(float) * (nint)begin,
    };

    // Hot loops: compiled fully optimised on first call rather than after tier-0 warm-up,
    // so a short benchmark or the first training steps do not run slow code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunSerial<TTile>(in GemmProblem p) where TTile : struct, IMicroKernel
    {
        int mr = TTile.Mr, nr = TTile.Nr;
        int mcMax = Math.Max(mr, McTarget / mr * mr);
        int kcMax = Math.Min(Kc, p.K);
        int ncMax = Math.Min(Nc, RoundUp(p.N, nr));
        int mcAlloc = Math.Min(mcMax, RoundUp(p.M, mr));
        bool prepacked = p.PackedB != 0;
        // A row-major op(A) is read in place by tiles that can (only the rows of a partial row block,
        // which the few-row kernel takes, are packed). With a handful of k steps per tile (an input
        // layer's 2-4 features) packing costs next to nothing and the packed tile measured faster.
        bool inPlace = !p.TransA && TTile.ReadsRowsInPlace && p.K >= 16;
        // A transposed op(A) (dY in a weight gradient dY^T X) is already the packed strips' layout,
        // strided by lda: the tiles (and the narrow edge kernel) read it in place.
        bool inPlaceT = p.TransA && TTile.ReadsColumnsInPlace && p.K >= 16;
        nint lda = p.Lda;

        // +8: PackA's 8-lane stores may spill up to 7 floats past the last strip.
        float[] aRented = ArrayPool<float>.Shared.Rent(mcAlloc * kcMax + 8);
        float[] bRented = ArrayPool<float>.Shared.Rent(prepacked ? 1 : ncMax * kcMax);
        float* scratch = stackalloc float[Math.Max(Math.Max(mr * nr, 2 * IMicroKernel.FewRows * nr), NarrowEdge.Rows * NarrowEdge.Columns)];
        float* c = (float*)p.C;
        float* bias = (float*)p.Bias;
        try
        {
            fixed (float* aPack = aRented)
            fixed (float* bOwn = bRented)
            {
                for (int jc = 0; jc < p.N; jc += Nc)
                {
                    int nc = Math.Min(Nc, p.N - jc);
                    for (int pc = 0; pc < p.K; pc += Kc)
                    {
                        int kc = Math.Min(Kc, p.K - pc);
                        bool first = pc == 0, last = pc + kc == p.K;
                        float beta = first ? p.Beta : 1f;
                        Activation act = last ? p.Activation : Activation.None;
                        // Strips of this kc x nc block: from the kept full-k panels, or packed here.
                        float* bPack;
                        nint stripStride;
                        if (prepacked)
                        {
                            bPack = (float*)p.PackedB + (nint)jc * p.K + (nint)pc * nr;
                            stripStride = (nint)nr * p.K;
                        }
                        else
                        {
                            bPack = bOwn;
                            stripStride = (nint)nr * kc;
                            PackB<TTile>(p, pc, kc, jc, nc, bPack, stripStride);
                        }
                        for (int ic = 0; ic < p.M; ic += mcMax)
                        {
                            int mc = Math.Min(mcMax, p.M - ic);
                            // Rows of a partial last row block go through the few-row kernel, not a padded tile.
                            int mFull = mc / mr * mr;
                            if (!inPlace && !inPlaceT) PackA<TTile>(p, ic, mc, pc, kc, aPack);
                            else if (mFull < mc) PackA<TTile>(p, ic + mFull, mc - mFull, pc, kc, aPack);
                            float* aRows = (float*)p.A + (ic * lda + pc);
                            float* aCols = (float*)p.A + (pc * lda + ic);
                            for (int jr = 0; jr < nc; jr += nr)
                            {
                                int nTile = Math.Min(nr, nc - jr);
                                float* bStrip = bPack + jr / nr * stripStride;
                                float* biasTile = first && bias != null ? bias + jc + jr : null;
                                int ir = 0;
                                if (NarrowEdge.Applies<TTile>(nTile))
                                {
                                    // Row r of the block is lane r % mr of packed strip r / mr.
                                    for (; ir < mFull; ir += NarrowEdge.Rows)
                                    {
                                        bool twelve = ir + NarrowEdge.Rows <= mFull;
                                        if (inPlace)
                                        {
                                            NarrowEdge.MultiplyRows(twelve, kc, aRows + ir * lda, lda, bStrip, nr, scratch);
                                        }
                                        else if (inPlaceT)
                                        {
                                            NarrowEdge.Multiply(twelve, kc, aCols + ir, aCols + ir + 6, lda, bStrip, nr, scratch);
                                        }
                                        else
                                        {
                                            float* a0 = aPack + (nint)ir * kc;
                                            float* a1 = aPack + (nint)(ir + 6) / mr * mr * kc + (ir + 6) % mr;
                                            NarrowEdge.Multiply(twelve, kc, a0, a1, mr, bStrip, nr, scratch);
                                        }
                                        float* cTile = c + (nint)(ic + ir) * p.Ldc + jc + jr;
                                        int rows = twelve ? 12 : 6;
                                        if (!NarrowEdge.TryStore(scratch, rows, nTile, cTile, p.Ldc, p.Alpha, beta, biasTile, act))
                                            for (int r = 0; r < rows; r++)
                                                StoreEdge(scratch + r * NarrowEdge.Columns, nTile, cTile + (nint)r * p.Ldc, p.Alpha, beta, biasTile, act);
                                    }
                                }
                                for (; ir < mFull; ir += mr)
                                {
                                    int mTile = Math.Min(mr, mc - ir);
                                    float* aStrip = aPack + (nint)ir * kc;
                                    float* cTile = c + (nint)(ic + ir) * p.Ldc + jc + jr;
                                    if (mTile == mr && nTile == nr)
                                    {
                                        if (inPlace) TTile.MultiplyRows(kc, aRows + ir * lda, lda, bStrip, cTile, p.Ldc, p.Alpha, beta, biasTile, act);
                                        else if (inPlaceT) TTile.MultiplyColumns(kc, aCols + ir, lda, bStrip, cTile, p.Ldc, p.Alpha, beta, biasTile, act);
                                        else TTile.Multiply(kc, aStrip, bStrip, cTile, p.Ldc, p.Alpha, beta, biasTile, act);
                                    }
                                    else
                                    {
                                        if (inPlace) TTile.MultiplyRows(kc, aRows + ir * lda, lda, bStrip, scratch, nr, 1f, 0f, null, Activation.None);
                                        else if (inPlaceT) TTile.MultiplyColumns(kc, aCols + ir, lda, bStrip, scratch, nr, 1f, 0f, null, Activation.None);
                                        else TTile.Multiply(kc, aStrip, bStrip, scratch, nr, 1f, 0f, null, Activation.None);
                                        for (int r = 0; r < mTile; r++)
                                            StoreEdge(scratch + r * nr, nTile, cTile + (nint)r * p.Ldc, p.Alpha, beta, biasTile, act);
                                    }
                                }
                            }
                            if (mFull < mc)
                                FewRows<TTile>(p, kc, inPlace || inPlaceT ? aPack : aPack + (nint)mFull * kc, mc - mFull, bPack, stripStride, nc,
                                    c + (nint)(ic + mFull) * p.Ldc + jc, beta, first && bias != null ? bias + jc : null, act, scratch);
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(aRented);
            ArrayPool<float>.Shared.Return(bRented);
        }
    }

    // The tiles' epilogue in scalar form, for values computed outside a full tile.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreEdge(float* acc, int count, float* c, float alpha, float beta, float* bias, Activation act)
    {
        for (int j = 0; j < count; j++)
            c[j] = Activations.Apply(act, Epilogue.Combine(acc[j], alpha, beta, c + j, bias == null ? 0f : bias[j], bias != null));
    }

    /// <summary>
    /// The last rows of a row block, fewer than a tile's, times all nc columns of a packed kc x nc
    /// block: up to four rows and two strips per kernel call, each value the tile's chain of fused
    /// multiply-adds and finished by the tile's epilogue, so a row's results do not depend on the batch
    /// it came in. A single row (one observation scored) costs what its own products cost, not a
    /// padded tile's.
    /// </summary>
    private static void FewRows<TTile>(in GemmProblem p, int kc, float* aStrip, int rows, float* bPack, nint stripStride, int nc,
        float* c, float beta, float* bias, Activation act, float* acc) where TTile : struct, IMicroKernel
    {
        int nr = TTile.Nr, few = IMicroKernel.FewRows;
        for (int r0 = 0; r0 < rows; r0 += few)
        {
            int n = Math.Min(few, rows - r0);
            float* cRows = c + (nint)r0 * p.Ldc;
            for (int jr = 0; jr < nc; jr += 2 * nr)
            {
                int strips = Math.Min(2, (nc - jr + nr - 1) / nr);
                TTile.MultiplyFew(n, kc, aStrip + r0, bPack + jr / nr * stripStride, stripStride, strips, acc);
                for (int s = 0; s < strips; s++)
                {
                    int j = jr + s * nr, nTile = Math.Min(nr, nc - j);
                    float* block = acc + s * few * nr, cTile = cRows + j, biasTile = bias == null ? null : bias + j;
                    if (nTile == nr)
                        TTile.Store(block, n, cTile, p.Ldc, p.Alpha, beta, biasTile, act);
                    else
                        for (int r = 0; r < n; r++)
                            StoreEdge(block + r * nr, nTile, cTile + (nint)r * p.Ldc, p.Alpha, beta, biasTile, act);
                }
            }
        }
    }

    /// <summary>Packs all of p's op(B) into full-k strips (strip s at s * Nr * K), the layout <see cref="GemmProblem.PackedB"/> points to.</summary>
    internal static void PackWhole<TTile>(in GemmProblem p, float* dest) where TTile : struct, IMicroKernel
    {
        for (int pc = 0; pc < p.K; pc += Kc)
            PackB<TTile>(p, pc, Math.Min(Kc, p.K - pc), 0, p.N, dest + (nint)pc * TTile.Nr, (nint)TTile.Nr * p.K);
    }

    // Packs rows [ic, ic + mc) x columns [pc, pc + kc) of op(A) into strips of mr rows: strip s holds,
    // for each p, the mr values of column p, rows past M padded with zeros.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA<TTile>(in GemmProblem p, int ic, int mc, int pc, int kc, float* dest) where TTile : struct, IMicroKernel
    {
        int mr = TTile.Mr;
        float* a = (float*)p.A;
        for (int i0 = 0; i0 < mc; i0 += mr)
        {
            int rows = Math.Min(mr, mc - i0);
            float* strip = dest + (nint)i0 * kc;
            if (p.TransA)
            {
                // op(A)(i, p) = A[p, i]: each packed column is a contiguous run of A's row.
                for (int k = 0; k < kc; k++)
                {
                    float* src = a + (nint)(pc + k) * p.Lda + ic + i0;
                    float* d = strip + (nint)k * mr;
                    if (rows == mr)
                    {
                        // A constant-size block copy, which the JIT unrolls into vector moves.
                        Unsafe.CopyBlockUnaligned(d, src, (uint)(TTile.Mr * sizeof(float)));
                        continue;
                    }
                    int r = 0;
                    for (; r < rows; r++) d[r] = src[r];
                    for (; r < mr; r++) d[r] = 0f;
                }
            }
            else
            {
                // op(A)(i, p) = A[i, p]: rows of A become lanes; 8 x 8 register transposes turn 8
                // contiguous loads per row into one store per packed column.
                int k8 = rows == mr && Avx.IsSupported ? kc & ~7 : 0;
                float* src = a + (nint)(ic + i0) * p.Lda + pc;
                for (int k0 = 0; k0 < k8; k0 += 8)
                {
                    // Each store writes 8 lanes into an mr-wide slot; lanes past mr spill into the next
                    // slot, which the following store (or the next strip, or the buffer's slack) overwrites.
                    for (int rb = 0; rb < mr; rb += 8)
                    {
                        Transpose8x8(src + (nint)rb * p.Lda + k0, p.Lda, Math.Min(8, mr - rb), out var t0, out var t1, out var t2,
                            out var t3, out var t4, out var t5, out var t6, out var t7);
                        float* d = strip + (nint)k0 * mr + rb;
                        nint step = mr;
                        if (rb + 8 >= mr)
                        {
                            t0.Store(d); t1.Store(d + step); t2.Store(d + 2 * step); t3.Store(d + 3 * step);
                            t4.Store(d + 4 * step); t5.Store(d + 5 * step); t6.Store(d + 6 * step); t7.Store(d + 7 * step);
                        }
                        else
                        {
                            // A block that is not the strip's last must not clobber the block after it in
                            // the same slot, so it is stored before that block (lower rb first, per slot).
                            Transpose8x8(src + (nint)(rb + 8) * p.Lda + k0, p.Lda, Math.Min(8, mr - rb - 8), out var u0, out var u1,
                                out var u2, out var u3, out var u4, out var u5, out var u6, out var u7);
                            t0.Store(d); u0.Store(d + 8); t1.Store(d + step); u1.Store(d + step + 8);
                            t2.Store(d + 2 * step); u2.Store(d + 2 * step + 8); t3.Store(d + 3 * step); u3.Store(d + 3 * step + 8);
                            t4.Store(d + 4 * step); u4.Store(d + 4 * step + 8); t5.Store(d + 5 * step); u5.Store(d + 5 * step + 8);
                            t6.Store(d + 6 * step); u6.Store(d + 6 * step + 8); t7.Store(d + 7 * step); u7.Store(d + 7 * step + 8);
                            rb += 8;
                        }
                    }
                }
                for (int r = 0; r < rows; r++)
                {
                    float* row = src + (nint)r * p.Lda;
                    float* d = strip + r;
                    for (int k = k8; k < kc; k++) d[(nint)k * mr] = row[k];
                }
                for (int r = rows; r < mr; r++)
                    for (int k = 0; k < kc; k++) strip[(nint)k * mr + r] = 0f;
            }
        }
    }

    // Packs rows [pc, pc + kc) x columns [jc, jc + nc) of op(B) into strips of nr columns, strip s at
    // dest + s * stripStride: it holds, for each p, the nr values of row p, columns past N padded with zeros.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB<TTile>(in GemmProblem p, int pc, int kc, int jc, int nc, float* dest, nint stripStride) where TTile : struct, IMicroKernel
    {
        int nr = TTile.Nr;
        float* b = (float*)p.B;
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            float* strip = dest + j0 / nr * stripStride;
            if (p.TransB)
            {
                // op(B)(p, j) = B[j, p]: each of B's rows becomes one lane of the strip, 8 rows at a
                // time through a register transpose.
                int k8 = cols == nr && nr % 8 == 0 && Avx.IsSupported ? kc & ~7 : 0;
                for (int jb = 0; jb < nr && k8 > 0; jb += 8)
                {
                    float* src = b + (nint)(jc + j0 + jb) * p.Ldb + pc;
                    for (int k0 = 0; k0 < k8; k0 += 8)
                    {
                        Transpose8x8(src + k0, p.Ldb, 8, out var t0, out var t1, out var t2, out var t3, out var t4, out var t5, out var t6, out var t7);
                        float* d = strip + (nint)k0 * nr + jb;
                        t0.Store(d); t1.Store(d + nr); t2.Store(d + 2 * nr); t3.Store(d + 3 * nr);
                        t4.Store(d + 4 * nr); t5.Store(d + 5 * nr); t6.Store(d + 6 * nr); t7.Store(d + 7 * nr);
                    }
                }
                for (int j = 0; j < cols; j++)
                {
                    float* src = b + (nint)(jc + j0 + j) * p.Ldb + pc;
                    float* d = strip + j;
                    for (int k = k8; k < kc; k++) d[(nint)k * nr] = src[k];
                }
                for (int j = cols; j < nr; j++)
                    for (int k = 0; k < kc; k++) strip[(nint)k * nr + j] = 0f;
            }
            else
            {
                for (int k = 0; k < kc; k++)
                {
                    float* src = b + (nint)(pc + k) * p.Ldb + jc + j0;
                    float* d = strip + (nint)k * nr;
                    if (cols == nr)
                    {
                        Unsafe.CopyBlockUnaligned(d, src, (uint)(TTile.Nr * sizeof(float)));
                        continue;
                    }
                    int j = 0;
                    for (; j < cols; j++) d[j] = src[j];
                    for (; j < nr; j++) d[j] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// Loads rows [0, rows) of an 8 x 8 block (row r at src + r * stride; rows past <paramref name="rows"/>
    /// read as zeros) and returns its columns: t_c holds element c of every row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint stride, int rows,
        out Vector256<float> t0, out Vector256<float> t1, out Vector256<float> t2, out Vector256<float> t3,
        out Vector256<float> t4, out Vector256<float> t5, out Vector256<float> t6, out Vector256<float> t7)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = rows > 1 ? Avx.LoadVector256(src + stride) : default;
        var r2 = rows > 2 ? Avx.LoadVector256(src + 2 * stride) : default;
        var r3 = rows > 3 ? Avx.LoadVector256(src + 3 * stride) : default;
        var r4 = rows > 4 ? Avx.LoadVector256(src + 4 * stride) : default;
        var r5 = rows > 5 ? Avx.LoadVector256(src + 5 * stride) : default;
        var r6 = rows > 6 ? Avx.LoadVector256(src + 6 * stride) : default;
        var r7 = rows > 7 ? Avx.LoadVector256(src + 7 * stride) : default;
        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
        var a0 = Avx.UnpackLow(r0, r1); var a1 = Avx.UnpackHigh(r0, r1);
        var a2 = Avx.UnpackLow(r2, r3); var a3 = Avx.UnpackHigh(r2, r3);
        var a4 = Avx.UnpackLow(r4, r5); var a5 = Avx.UnpackHigh(r4, r5);
        var a6 = Avx.UnpackLow(r6, r7); var a7 = Avx.UnpackHigh(r6, r7);
        var b0 = Avx.Shuffle(a0, a2, 0x44); var b1 = Avx.Shuffle(a0, a2, 0xEE);
        var b2 = Avx.Shuffle(a1, a3, 0x44); var b3 = Avx.Shuffle(a1, a3, 0xEE);
        var b4 = Avx.Shuffle(a4, a6, 0x44); var b5 = Avx.Shuffle(a4, a6, 0xEE);
        var b6 = Avx.Shuffle(a5, a7, 0x44); var b7 = Avx.Shuffle(a5, a7, 0xEE);
        t0 = Avx.Permute2x128(b0, b4, 0x20); t1 = Avx.Permute2x128(b1, b5, 0x20);
        t2 = Avx.Permute2x128(b2, b6, 0x20); t3 = Avx.Permute2x128(b3, b7, 0x20);
        t4 = Avx.Permute2x128(b0, b4, 0x31); t5 = Avx.Permute2x128(b1, b5, 0x31);
        t6 = Avx.Permute2x128(b2, b6, 0x31); t7 = Avx.Permute2x128(b3, b7, 0x31);
    }

    private static void ScaleOnly(in GemmProblem p)
    {
        float* c = (float*)p.C;
        float* bias = (float*)p.Bias;
        for (int i = 0; i < p.M; i++)
        {
            float* row = c + (nint)i * p.Ldc;
            for (int j = 0; j < p.N; j++)
                row[j] = Epilogue.Combine(0f, 0f, p.Beta, row + j, bias == null ? 0f : bias[j], bias != null);
            Activations.Apply(p.Activation, new Span<float>(row, p.N));
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
