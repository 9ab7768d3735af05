using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OfflineSafety.Nn.Kernels;

/// <summary>
/// 6 x 16 tile for AVX2: 12 accumulators + 2 B vectors + 1 broadcast A value fill 15 of the 16 ymm
/// registers, and 12 FMAs per 3 loads keep both of Zen's FMA pipes busy.
/// </summary>
internal readonly struct Avx2Tile : IMicroKernel
{
    public static int Mr => 6;
    public static int Nr => 16;

    /// <summary>Packed A: the columns-in-place walk with the panel's own stride (same FMA chain).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Multiply(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, float* bias, Activation act) =>
        MultiplyColumns(kc, a, Mr, b, c, ldc, alpha, beta, bias, act);

    public static bool ReadsRowsInPlace => true;

    public static bool ReadsColumnsInPlace => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    public static unsafe void MultiplyColumns(int kc, float* a, nint lda, float* b, float* c, nint ldc, float alpha, float beta, float* bias, Activation act)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Avx.LoadVector256(b), b1 = Avx.LoadVector256(b + 8);
            Vector256<float> ar;
            ar = Avx.BroadcastScalarToVector256(a + 0);
            c00 = Fma.MultiplyAdd(ar, b0, c00); c01 = Fma.MultiplyAdd(ar, b1, c01);
            ar = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(ar, b0, c10); c11 = Fma.MultiplyAdd(ar, b1, c11);
            ar = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(ar, b0, c20); c21 = Fma.MultiplyAdd(ar, b1, c21);
            ar = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(ar, b0, c30); c31 = Fma.MultiplyAdd(ar, b1, c31);
            ar = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(ar, b0, c40); c41 = Fma.MultiplyAdd(ar, b1, c41);
            ar = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(ar, b0, c50); c51 = Fma.MultiplyAdd(ar, b1, c51);
            a += lda;
            b += Nr;
        }
        if (TryStoreInRegisters(c, ldc, alpha, beta, bias, act, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)) return;
        // The accumulators go to memory before the epilogue runs: while they are live, any call in
        // the epilogue (an activation the JIT did not inline) makes the register allocator spill
        // some of them inside the k loop, a store and a reload per iteration.
        float* acc = stackalloc float[6 * 16];
        Avx.Store(acc, c00); Avx.Store(acc + 8, c01); Avx.Store(acc + 16, c10); Avx.Store(acc + 24, c11);
        Avx.Store(acc + 32, c20); Avx.Store(acc + 40, c21); Avx.Store(acc + 48, c30); Avx.Store(acc + 56, c31);
        Avx.Store(acc + 64, c40); Avx.Store(acc + 72, c41); Avx.Store(acc + 80, c50); Avx.Store(acc + 88, c51);
        Store(acc, Mr, c, ldc, alpha, beta, bias, act);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    public static unsafe void MultiplyRows(int kc, float* a, nint lda, float* b, float* c, nint ldc, float alpha, float beta, float* bias, Activation act)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        // Rows 0-2 at a + {0, 1, 2} * lda and rows 3-5 at a3 + the same: base + index * {4, 8} addressing.
        float* a3 = a + 3 * lda;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Avx.LoadVector256(b), b1 = Avx.LoadVector256(b + 8);
            Vector256<float> ar;
            ar = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(ar, b0, c00); c01 = Fma.MultiplyAdd(ar, b1, c01);
            ar = Avx.BroadcastScalarToVector256(a + lda);
            c10 = Fma.MultiplyAdd(ar, b0, c10); c11 = Fma.MultiplyAdd(ar, b1, c11);
            ar = Avx.BroadcastScalarToVector256(a + 2 * lda);
            c20 = Fma.MultiplyAdd(ar, b0, c20); c21 = Fma.MultiplyAdd(ar, b1, c21);
            ar = Avx.BroadcastScalarToVector256(a3);
            c30 = Fma.MultiplyAdd(ar, b0, c30); c31 = Fma.MultiplyAdd(ar, b1, c31);
            ar = Avx.BroadcastScalarToVector256(a3 + lda);
            c40 = Fma.MultiplyAdd(ar, b0, c40); c41 = Fma.MultiplyAdd(ar, b1, c41);
            ar = Avx.BroadcastScalarToVector256(a3 + 2 * lda);
            c50 = Fma.MultiplyAdd(ar, b0, c50); c51 = Fma.MultiplyAdd(ar, b1, c51);
            a++;
            a3++;
            b += Nr;
        }
        if (TryStoreInRegisters(c, ldc, alpha, beta, bias, act, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)) return;
        float* acc = stackalloc float[6 * 16];
        Avx.Store(acc, c00); Avx.Store(acc + 8, c01); Avx.Store(acc + 16, c10); Avx.Store(acc + 24, c11);
        Avx.Store(acc + 32, c20); Avx.Store(acc + 40, c21); Avx.Store(acc + 48, c30); Avx.Store(acc + 56, c31);
        Avx.Store(acc + 64, c40); Avx.Store(acc + 72, c41); Avx.Store(acc + 80, c50); Avx.Store(acc + 88, c51);
        Store(acc, Mr, c, ldc, alpha, beta, bias, act);
    }

    // The common epilogues (alpha 1; no activation or ReLU) have no call that could make the JIT
    // spill accumulators, so they are written from the registers: no round trip through a stack
    // tile and no call per tile. The same operations as StoreRow, minus the multiply by alpha = 1
    // (exact), so the same bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe bool TryStoreInRegisters(float* c, nint ldc, float alpha, float beta, float* bias, Activation act,
        Vector256<float> c00, Vector256<float> c01, Vector256<float> c10, Vector256<float> c11, Vector256<float> c20, Vector256<float> c21,
        Vector256<float> c30, Vector256<float> c31, Vector256<float> c40, Vector256<float> c41, Vector256<float> c50, Vector256<float> c51)
    {
        if (alpha != 1f || (act != Activation.None && act != Activation.Relu)) return false;
        bool relu = act == Activation.Relu, hasBias = bias != null;
        Vector256<float> bias0 = default, bias1 = default;
        if (hasBias) { bias0 = Avx.LoadVector256(bias); bias1 = Avx.LoadVector256(bias + 8); }
        StoreRowInRegisters(c, c00, c01, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + ldc, c10, c11, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 2 * ldc, c20, c21, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 3 * ldc, c30, c31, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 4 * ldc, c40, c41, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 5 * ldc, c50, c51, beta, hasBias, bias0, bias1, relu);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRowInRegisters(float* c, Vector256<float> acc0, Vector256<float> acc1, float beta,
        bool hasBias, Vector256<float> bias0, Vector256<float> bias1, bool relu)
    {
        if (hasBias) { acc0 = Avx.Add(acc0, bias0); acc1 = Avx.Add(acc1, bias1); }
        if (beta != 0f)
        {
            var betaV = Vector256.Create(beta);
            acc0 = Fma.MultiplyAdd(betaV, Avx.LoadVector256(c), acc0);
            acc1 = Fma.MultiplyAdd(betaV, Avx.LoadVector256(c + 8), acc1);
        }
        if (relu) { acc0 = Activations.Relu(acc0); acc1 = Activations.Relu(acc1); }
        Avx.Store(c, acc0);
        Avx.Store(c + 8, acc1);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Store(float* acc, int rows, float* c, nint ldc, float alpha, float beta, float* bias, Activation act)
    {
        var alphaV = Vector256.Create(alpha);
        Vector256<float> bias0 = default, bias1 = default;
        if (bias != null) { bias0 = Avx.LoadVector256(bias); bias1 = Avx.LoadVector256(bias + 8); }
        for (int r = 0; r < rows; r++, acc += Nr, c += ldc)
            StoreRow(c, Avx.LoadVector256(acc), Avx.LoadVector256(acc + 8), alphaV, beta, bias != null, bias0, bias1, act);
    }

    public static unsafe void MultiplyFew(int rows, int kc, float* a, float* b, nint stripStride, int strips, float* acc)
    {
        switch (rows)
        {
            case 1: Few<OneRow>(kc, a, b, stripStride, strips, acc); break;
            case 2: Few<TwoRows>(kc, a, b, stripStride, strips, acc); break;
            case 3: Few<ThreeRows>(kc, a, b, stripStride, strips, acc); break;
            default: Few<FourRows>(kc, a, b, stripStride, strips, acc); break;
        }
    }

    // Up to 4 rows x 2 strips of 16: 16 accumulators, enough independent chains to cover the FMA
    // latency; with one row and two strips there are four.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Few<TRows>(int kc, float* a, float* b, nint stripStride, int strips, float* acc) where TRows : struct, IRowCount
    {
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default,
            c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        float* b2 = strips > 1 ? b + stripStride : b;
        for (int p = 0; p < kc; p++, a += Mr, b += Nr, b2 += Nr)
        {
            Vector256<float> w0 = Avx.LoadVector256(b), w1 = Avx.LoadVector256(b + 8), w2 = Avx.LoadVector256(b2), w3 = Avx.LoadVector256(b2 + 8);
            var x = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(x, w0, c00); c01 = Fma.MultiplyAdd(x, w1, c01); c02 = Fma.MultiplyAdd(x, w2, c02); c03 = Fma.MultiplyAdd(x, w3, c03);
            if (TRows.Rows > 1)
            {
                x = Avx.BroadcastScalarToVector256(a + 1);
                c10 = Fma.MultiplyAdd(x, w0, c10); c11 = Fma.MultiplyAdd(x, w1, c11); c12 = Fma.MultiplyAdd(x, w2, c12); c13 = Fma.MultiplyAdd(x, w3, c13);
            }
            if (TRows.Rows > 2)
            {
                x = Avx.BroadcastScalarToVector256(a + 2);
                c20 = Fma.MultiplyAdd(x, w0, c20); c21 = Fma.MultiplyAdd(x, w1, c21); c22 = Fma.MultiplyAdd(x, w2, c22); c23 = Fma.MultiplyAdd(x, w3, c23);
            }
            if (TRows.Rows > 3)
            {
                x = Avx.BroadcastScalarToVector256(a + 3);
                c30 = Fma.MultiplyAdd(x, w0, c30); c31 = Fma.MultiplyAdd(x, w1, c31); c32 = Fma.MultiplyAdd(x, w2, c32); c33 = Fma.MultiplyAdd(x, w3, c33);
            }
        }
        // A single strip reads the first one twice; the duplicate products are not stored.
        float* second = acc + IMicroKernel.FewRows * Nr;
        Avx.Store(acc, c00); Avx.Store(acc + 8, c01); Avx.Store(second, c02); Avx.Store(second + 8, c03);
        if (TRows.Rows > 1) { Avx.Store(acc + 16, c10); Avx.Store(acc + 24, c11); Avx.Store(second + 16, c12); Avx.Store(second + 24, c13); }
        if (TRows.Rows > 2) { Avx.Store(acc + 32, c20); Avx.Store(acc + 40, c21); Avx.Store(second + 32, c22); Avx.Store(second + 40, c23); }
        if (TRows.Rows > 3) { Avx.Store(acc + 48, c30); Avx.Store(acc + 56, c31); Avx.Store(second + 48, c32); Avx.Store(second + 56, c33); }
    }

    // The epilogue's operation order (multiply, add bias, fused beta*C) is mirrored exactly by the
    // scalar edge-tile path in GemmDriver, so a value does not change when it lands in an edge tile.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* c, Vector256<float> acc0, Vector256<float> acc1, Vector256<float> alpha, float beta,
        bool hasBias, Vector256<float> bias0, Vector256<float> bias1, Activation act)
    {
        acc0 = Avx.Multiply(acc0, alpha);
        acc1 = Avx.Multiply(acc1, alpha);
        if (hasBias) { acc0 = Avx.Add(acc0, bias0); acc1 = Avx.Add(acc1, bias1); }
        if (beta != 0f)
        {
            var betaV = Vector256.Create(beta);
            acc0 = Fma.MultiplyAdd(betaV, Avx.LoadVector256(c), acc0);
            acc1 = Fma.MultiplyAdd(betaV, Avx.LoadVector256(c + 8), acc1);
        }
        Avx.Store(c, Activations.Apply(act, acc0));
        Avx.Store(c + 8, Activations.Apply(act, acc1));
    }
}

/// <summary>
/// 12 x 32 tile for AVX-512: 24 accumulators + 2 B vectors + 1 broadcast of the 32 zmm registers.
/// Written with the portable Vector512 API, which JITs to vfmadd231ps zmm where AVX-512F exists.
/// </summary>
internal readonly struct Avx512Tile : IMicroKernel
{
    public static int Mr => 12;
    public static int Nr => 32;

    /// <summary>Packed A: the columns-in-place walk with the panel's own stride (same FMA chain).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Multiply(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, float* bias, Activation act) =>
        MultiplyColumns(kc, a, Mr, b, c, ldc, alpha, beta, bias, act);

    public static bool ReadsRowsInPlace => true;

    public static bool ReadsColumnsInPlace => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    public static unsafe void MultiplyColumns(int kc, float* a, nint lda, float* b, float* c, nint ldc, float alpha, float beta, float* bias, Activation act)
    {
        Vector512<float> c000 = default, c001 = default, c010 = default, c011 = default, c020 = default, c021 = default, c030 = default, c031 = default, c040 = default, c041 = default, c050 = default, c051 = default, c060 = default, c061 = default, c070 = default, c071 = default, c080 = default, c081 = default, c090 = default, c091 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> ar;
            ar = Vector512.Create(*(a + 0));
            c000 = Vector512.FusedMultiplyAdd(ar, b0, c000); c001 = Vector512.FusedMultiplyAdd(ar, b1, c001);
            ar = Vector512.Create(*(a + 1));
            c010 = Vector512.FusedMultiplyAdd(ar, b0, c010); c011 = Vector512.FusedMultiplyAdd(ar, b1, c011);
            ar = Vector512.Create(*(a + 2));
            c020 = Vector512.FusedMultiplyAdd(ar, b0, c020); c021 = Vector512.FusedMultiplyAdd(ar, b1, c021);
            ar = Vector512.Create(*(a + 3));
            c030 = Vector512.FusedMultiplyAdd(ar, b0, c030); c031 = Vector512.FusedMultiplyAdd(ar, b1, c031);
            ar = Vector512.Create(*(a + 4));
            c040 = Vector512.FusedMultiplyAdd(ar, b0, c040); c041 = Vector512.FusedMultiplyAdd(ar, b1, c041);
            ar = Vector512.Create(*(a + 5));
            c050 = Vector512.FusedMultiplyAdd(ar, b0, c050); c051 = Vector512.FusedMultiplyAdd(ar, b1, c051);
            ar = Vector512.Create(*(a + 6));
            c060 = Vector512.FusedMultiplyAdd(ar, b0, c060); c061 = Vector512.FusedMultiplyAdd(ar, b1, c061);
            ar = Vector512.Create(*(a + 7));
            c070 = Vector512.FusedMultiplyAdd(ar, b0, c070); c071 = Vector512.FusedMultiplyAdd(ar, b1, c071);
            ar = Vector512.Create(*(a + 8));
            c080 = Vector512.FusedMultiplyAdd(ar, b0, c080); c081 = Vector512.FusedMultiplyAdd(ar, b1, c081);
            ar = Vector512.Create(*(a + 9));
            c090 = Vector512.FusedMultiplyAdd(ar, b0, c090); c091 = Vector512.FusedMultiplyAdd(ar, b1, c091);
            ar = Vector512.Create(*(a + 10));
            c100 = Vector512.FusedMultiplyAdd(ar, b0, c100); c101 = Vector512.FusedMultiplyAdd(ar, b1, c101);
            ar = Vector512.Create(*(a + 11));
            c110 = Vector512.FusedMultiplyAdd(ar, b0, c110); c111 = Vector512.FusedMultiplyAdd(ar, b1, c111);
            a += lda;
            b += Nr;
        }
        if (TryStoreInRegisters(c, ldc, alpha, beta, bias, act, c000, c001, c010, c011, c020, c021, c030, c031, c040, c041, c050, c051, c060, c061, c070, c071, c080, c081, c090, c091, c100, c101, c110, c111)) return;
        // As in the AVX2 tile: accumulators to memory first, so none is spilled inside the k loop.
        float* acc = stackalloc float[12 * 32];
        c000.Store(acc + 0); c001.Store(acc + 16);
        c010.Store(acc + 32); c011.Store(acc + 48);
        c020.Store(acc + 64); c021.Store(acc + 80);
        c030.Store(acc + 96); c031.Store(acc + 112);
        c040.Store(acc + 128); c041.Store(acc + 144);
        c050.Store(acc + 160); c051.Store(acc + 176);
        c060.Store(acc + 192); c061.Store(acc + 208);
        c070.Store(acc + 224); c071.Store(acc + 240);
        c080.Store(acc + 256); c081.Store(acc + 272);
        c090.Store(acc + 288); c091.Store(acc + 304);
        c100.Store(acc + 320); c101.Store(acc + 336);
        c110.Store(acc + 352); c111.Store(acc + 368);
        Store(acc, Mr, c, ldc, alpha, beta, bias, act);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    public static unsafe void MultiplyRows(int kc, float* a, nint lda, float* b, float* c, nint ldc, float alpha, float beta, float* bias, Activation act)
    {
        Vector512<float> c000 = default, c001 = default, c010 = default, c011 = default, c020 = default, c021 = default, c030 = default, c031 = default, c040 = default, c041 = default, c050 = default, c051 = default, c060 = default, c061 = default, c070 = default, c071 = default, c080 = default, c081 = default, c090 = default, c091 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        // Rows 0-2 at a + {0, 1, 2} * lda, rows 3-5 at a3 + the same, and so on: base + index * {4, 8} addressing.
        float* a3 = a + 3 * lda, a6 = a + 6 * lda, a9 = a + 9 * lda;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> ar;
            ar = Vector512.Create(*(a));
            c000 = Vector512.FusedMultiplyAdd(ar, b0, c000); c001 = Vector512.FusedMultiplyAdd(ar, b1, c001);
            ar = Vector512.Create(*(a + lda));
            c010 = Vector512.FusedMultiplyAdd(ar, b0, c010); c011 = Vector512.FusedMultiplyAdd(ar, b1, c011);
            ar = Vector512.Create(*(a + 2 * lda));
            c020 = Vector512.FusedMultiplyAdd(ar, b0, c020); c021 = Vector512.FusedMultiplyAdd(ar, b1, c021);
            ar = Vector512.Create(*(a3));
            c030 = Vector512.FusedMultiplyAdd(ar, b0, c030); c031 = Vector512.FusedMultiplyAdd(ar, b1, c031);
            ar = Vector512.Create(*(a3 + lda));
            c040 = Vector512.FusedMultiplyAdd(ar, b0, c040); c041 = Vector512.FusedMultiplyAdd(ar, b1, c041);
            ar = Vector512.Create(*(a3 + 2 * lda));
            c050 = Vector512.FusedMultiplyAdd(ar, b0, c050); c051 = Vector512.FusedMultiplyAdd(ar, b1, c051);
            ar = Vector512.Create(*(a6));
            c060 = Vector512.FusedMultiplyAdd(ar, b0, c060); c061 = Vector512.FusedMultiplyAdd(ar, b1, c061);
            ar = Vector512.Create(*(a6 + lda));
            c070 = Vector512.FusedMultiplyAdd(ar, b0, c070); c071 = Vector512.FusedMultiplyAdd(ar, b1, c071);
            ar = Vector512.Create(*(a6 + 2 * lda));
            c080 = Vector512.FusedMultiplyAdd(ar, b0, c080); c081 = Vector512.FusedMultiplyAdd(ar, b1, c081);
            ar = Vector512.Create(*(a9));
            c090 = Vector512.FusedMultiplyAdd(ar, b0, c090); c091 = Vector512.FusedMultiplyAdd(ar, b1, c091);
            ar = Vector512.Create(*(a9 + lda));
            c100 = Vector512.FusedMultiplyAdd(ar, b0, c100); c101 = Vector512.FusedMultiplyAdd(ar, b1, c101);
            ar = Vector512.Create(*(a9 + 2 * lda));
            c110 = Vector512.FusedMultiplyAdd(ar, b0, c110); c111 = Vector512.FusedMultiplyAdd(ar, b1, c111);
            a++; a3++; a6++; a9++;
            b += Nr;
        }
        if (TryStoreInRegisters(c, ldc, alpha, beta, bias, act, c000, c001, c010, c011, c020, c021, c030, c031, c040, c041, c050, c051, c060, c061, c070, c071, c080, c081, c090, c091, c100, c101, c110, c111)) return;
        // As in the AVX2 tile: accumulators to memory first, so none is spilled inside the k loop.
        float* acc = stackalloc float[12 * 32];
        c000.Store(acc + 0); c001.Store(acc + 16);
        c010.Store(acc + 32); c011.Store(acc + 48);
        c020.Store(acc + 64); c021.Store(acc + 80);
        c030.Store(acc + 96); c031.Store(acc + 112);
        c040.Store(acc + 128); c041.Store(acc + 144);
        c050.Store(acc + 160); c051.Store(acc + 176);
        c060.Store(acc + 192); c061.Store(acc + 208);
        c070.Store(acc + 224); c071.Store(acc + 240);
        c080.Store(acc + 256); c081.Store(acc + 272);
        c090.Store(acc + 288); c091.Store(acc + 304);
        c100.Store(acc + 320); c101.Store(acc + 336);
        c110.Store(acc + 352); c111.Store(acc + 368);
        Store(acc, Mr, c, ldc, alpha, beta, bias, act);
    }

    // The common epilogues (alpha 1; no activation or ReLU) are written from the registers, as in
    // the AVX2 tile: the same operations as StoreRow minus the multiply by alpha = 1 (exact), so the same bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe bool TryStoreInRegisters(float* c, nint ldc, float alpha, float beta, float* bias, Activation act,
        Vector512<float> c000, Vector512<float> c001, Vector512<float> c010, Vector512<float> c011, Vector512<float> c020, Vector512<float> c021, Vector512<float> c030, Vector512<float> c031, Vector512<float> c040, Vector512<float> c041, Vector512<float> c050, Vector512<float> c051, Vector512<float> c060, Vector512<float> c061, Vector512<float> c070, Vector512<float> c071, Vector512<float> c080, Vector512<float> c081, Vector512<float> c090, Vector512<float> c091, Vector512<float> c100, Vector512<float> c101, Vector512<float> c110, Vector512<float> c111)
    {
        if (alpha != 1f || (act != Activation.None && act != Activation.Relu)) return false;
        bool relu = act == Activation.Relu, hasBias = bias != null;
        Vector512<float> bias0 = default, bias1 = default;
        if (hasBias) { bias0 = Vector512.Load(bias); bias1 = Vector512.Load(bias + 16); }
        StoreRowInRegisters(c + 0 * ldc, c000, c001, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 1 * ldc, c010, c011, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 2 * ldc, c020, c021, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 3 * ldc, c030, c031, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 4 * ldc, c040, c041, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 5 * ldc, c050, c051, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 6 * ldc, c060, c061, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 7 * ldc, c070, c071, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 8 * ldc, c080, c081, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 9 * ldc, c090, c091, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 10 * ldc, c100, c101, beta, hasBias, bias0, bias1, relu);
        StoreRowInRegisters(c + 11 * ldc, c110, c111, beta, hasBias, bias0, bias1, relu);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRowInRegisters(float* c, Vector512<float> acc0, Vector512<float> acc1, float beta,
        bool hasBias, Vector512<float> bias0, Vector512<float> bias1, bool relu)
    {
        if (hasBias) { acc0 += bias0; acc1 += bias1; }
        if (beta != 0f)
        {
            var betaV = Vector512.Create(beta);
            acc0 = Vector512.FusedMultiplyAdd(betaV, Vector512.Load(c), acc0);
            acc1 = Vector512.FusedMultiplyAdd(betaV, Vector512.Load(c + 16), acc1);
        }
        if (relu)
        {
            // On 256-bit halves, as StoreRow applies every activation, so the bits are the same.
            acc0 = Vector512.Create(Activations.Relu(acc0.GetLower()), Activations.Relu(acc0.GetUpper()));
            acc1 = Vector512.Create(Activations.Relu(acc1.GetLower()), Activations.Relu(acc1.GetUpper()));
        }
        acc0.Store(c);
        acc1.Store(c + 16);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Store(float* acc, int rows, float* c, nint ldc, float alpha, float beta, float* bias, Activation act)
    {
        var alphaV = Vector512.Create(alpha);
        Vector512<float> bias0 = default, bias1 = default;
        if (bias != null) { bias0 = Vector512.Load(bias); bias1 = Vector512.Load(bias + 16); }
        for (int r = 0; r < rows; r++, acc += Nr, c += ldc)
            StoreRow(c, Vector512.Load(acc), Vector512.Load(acc + 16), alphaV, beta, bias != null, bias0, bias1, act);
    }

    public static unsafe void MultiplyFew(int rows, int kc, float* a, float* b, nint stripStride, int strips, float* acc)
    {
        switch (rows)
        {
            case 1: Few<OneRow>(kc, a, b, stripStride, strips, acc); break;
            case 2: Few<TwoRows>(kc, a, b, stripStride, strips, acc); break;
            case 3: Few<ThreeRows>(kc, a, b, stripStride, strips, acc); break;
            default: Few<FourRows>(kc, a, b, stripStride, strips, acc); break;
        }
    }

    // As the AVX2 tile's: up to 4 rows x 2 strips of 32 in 16 accumulators.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Few<TRows>(int kc, float* a, float* b, nint stripStride, int strips, float* acc) where TRows : struct, IRowCount
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default,
            c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        float* b2 = strips > 1 ? b + stripStride : b;
        for (int p = 0; p < kc; p++, a += Mr, b += Nr, b2 += Nr)
        {
            Vector512<float> w0 = Vector512.Load(b), w1 = Vector512.Load(b + 16), w2 = Vector512.Load(b2), w3 = Vector512.Load(b2 + 16);
            var x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, w0, c00); c01 = Vector512.FusedMultiplyAdd(x, w1, c01);
            c02 = Vector512.FusedMultiplyAdd(x, w2, c02); c03 = Vector512.FusedMultiplyAdd(x, w3, c03);
            if (TRows.Rows > 1)
            {
                x = Vector512.Create(a[1]);
                c10 = Vector512.FusedMultiplyAdd(x, w0, c10); c11 = Vector512.FusedMultiplyAdd(x, w1, c11);
                c12 = Vector512.FusedMultiplyAdd(x, w2, c12); c13 = Vector512.FusedMultiplyAdd(x, w3, c13);
            }
            if (TRows.Rows > 2)
            {
                x = Vector512.Create(a[2]);
                c20 = Vector512.FusedMultiplyAdd(x, w0, c20); c21 = Vector512.FusedMultiplyAdd(x, w1, c21);
                c22 = Vector512.FusedMultiplyAdd(x, w2, c22); c23 = Vector512.FusedMultiplyAdd(x, w3, c23);
            }
            if (TRows.Rows > 3)
            {
                x = Vector512.Create(a[3]);
                c30 = Vector512.FusedMultiplyAdd(x, w0, c30); c31 = Vector512.FusedMultiplyAdd(x, w1, c31);
                c32 = Vector512.FusedMultiplyAdd(x, w2, c32); c33 = Vector512.FusedMultiplyAdd(x, w3, c33);
            }
        }
        float* second = acc + IMicroKernel.FewRows * Nr;
        c00.Store(acc); c01.Store(acc + 16); c02.Store(second); c03.Store(second + 16);
        if (TRows.Rows > 1) { c10.Store(acc + 32); c11.Store(acc + 48); c12.Store(second + 32); c13.Store(second + 48); }
        if (TRows.Rows > 2) { c20.Store(acc + 64); c21.Store(acc + 80); c22.Store(second + 64); c23.Store(second + 80); }
        if (TRows.Rows > 3) { c30.Store(acc + 96); c31.Store(acc + 112); c32.Store(second + 96); c33.Store(second + 112); }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* c, Vector512<float> acc0, Vector512<float> acc1, Vector512<float> alpha, float beta,
        bool hasBias, Vector512<float> bias0, Vector512<float> bias1, Activation act)
    {
        acc0 *= alpha;
        acc1 *= alpha;
        if (hasBias) { acc0 += bias0; acc1 += bias1; }
        if (beta != 0f)
        {
            var betaV = Vector512.Create(beta);
            acc0 = Vector512.FusedMultiplyAdd(betaV, Vector512.Load(c), acc0);
            acc1 = Vector512.FusedMultiplyAdd(betaV, Vector512.Load(c + 16), acc1);
        }
        if (act != Activation.None)
        {
            // The activation is defined on 256-bit halves so every kernel rounds it identically.
            acc0 = Vector512.Create(Activations.Apply(act, acc0.GetLower()), Activations.Apply(act, acc0.GetUpper()));
            acc1 = Vector512.Create(Activations.Apply(act, acc1.GetLower()), Activations.Apply(act, acc1.GetUpper()));
        }
        acc0.Store(c);
        acc1.Store(c + 16);
    }
}

/// <summary>4 x 4 tile of scalar fused multiply-adds: the fallback for CPUs without AVX2/FMA.</summary>
internal readonly struct ScalarTile : IMicroKernel
{
    public static int Mr => 4;
    public static int Nr => 4;

    public static unsafe void Multiply(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, float* bias, Activation act)
    {
        float* acc = stackalloc float[16];
        for (int i = 0; i < 16; i++) acc[i] = 0f;
        for (int p = 0; p < kc; p++)
        {
            for (int r = 0; r < 4; r++)
            {
                float ar = a[r];
                for (int j = 0; j < 4; j++) acc[r * 4 + j] = MathF.FusedMultiplyAdd(ar, b[j], acc[r * 4 + j]);
            }
            a += 4;
            b += 4;
        }
        Store(acc, 4, c, ldc, alpha, beta, bias, act);
    }

    public static unsafe void Store(float* acc, int rows, float* c, nint ldc, float alpha, float beta, float* bias, Activation act)
    {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < 4; j++)
                c[r * ldc + j] = Activations.Apply(act, Epilogue.Combine(acc[r * 4 + j], alpha, beta, c + r * ldc + j, bias == null ? 0f : bias[j], bias != null));
    }

    public static unsafe void MultiplyFew(int rows, int kc, float* a, float* b, nint stripStride, int strips, float* acc)
    {
        for (int s = 0; s < strips; s++)
        {
            float* block = acc + s * IMicroKernel.FewRows * Nr, strip = b + s * stripStride;
            for (int i = 0; i < rows * Nr; i++) block[i] = 0f;
            for (int p = 0; p < kc; p++)
                for (int r = 0; r < rows; r++)
                    for (int j = 0; j < Nr; j++) block[r * Nr + j] = MathF.FusedMultiplyAdd(a[p * Mr + r], strip[p * Nr + j], block[r * Nr + j]);
        }
    }
}
