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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Multiply(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, float* bias, Activation act)
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
            a += Mr;
            b += Nr;
        }
        var alphaV = Vector256.Create(alpha);
        Vector256<float> bias0 = default, bias1 = default;
        if (bias != null) { bias0 = Avx.LoadVector256(bias); bias1 = Avx.LoadVector256(bias + 8); }
        StoreRow(c + 0 * ldc, c00, c01, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 1 * ldc, c10, c11, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 2 * ldc, c20, c21, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 3 * ldc, c30, c31, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 4 * ldc, c40, c41, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 5 * ldc, c50, c51, alphaV, beta, bias != null, bias0, bias1, act);
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Multiply(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, float* bias, Activation act)
    {
        Vector512<float> c000 = default, c001 = default, c010 = default, c011 = default, c020 = default, c021 = default, c030 = default, c031 = default, c040 = default, c041 = default, c050 = default, c051 = default, c060 = default, c061 = default, c070 = default, c071 = default, c080 = default, c081 = default, c090 = default, c091 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> ar;
            ar = Vector512.Create(a[0]);
            c000 = Vector512.FusedMultiplyAdd(ar, b0, c000); c001 = Vector512.FusedMultiplyAdd(ar, b1, c001);
            ar = Vector512.Create(a[1]);
            c010 = Vector512.FusedMultiplyAdd(ar, b0, c010); c011 = Vector512.FusedMultiplyAdd(ar, b1, c011);
            ar = Vector512.Create(a[2]);
            c020 = Vector512.FusedMultiplyAdd(ar, b0, c020); c021 = Vector512.FusedMultiplyAdd(ar, b1, c021);
            ar = Vector512.Create(a[3]);
            c030 = Vector512.FusedMultiplyAdd(ar, b0, c030); c031 = Vector512.FusedMultiplyAdd(ar, b1, c031);
            ar = Vector512.Create(a[4]);
            c040 = Vector512.FusedMultiplyAdd(ar, b0, c040); c041 = Vector512.FusedMultiplyAdd(ar, b1, c041);
            ar = Vector512.Create(a[5]);
            c050 = Vector512.FusedMultiplyAdd(ar, b0, c050); c051 = Vector512.FusedMultiplyAdd(ar, b1, c051);
            ar = Vector512.Create(a[6]);
            c060 = Vector512.FusedMultiplyAdd(ar, b0, c060); c061 = Vector512.FusedMultiplyAdd(ar, b1, c061);
            ar = Vector512.Create(a[7]);
            c070 = Vector512.FusedMultiplyAdd(ar, b0, c070); c071 = Vector512.FusedMultiplyAdd(ar, b1, c071);
            ar = Vector512.Create(a[8]);
            c080 = Vector512.FusedMultiplyAdd(ar, b0, c080); c081 = Vector512.FusedMultiplyAdd(ar, b1, c081);
            ar = Vector512.Create(a[9]);
            c090 = Vector512.FusedMultiplyAdd(ar, b0, c090); c091 = Vector512.FusedMultiplyAdd(ar, b1, c091);
            ar = Vector512.Create(a[10]);
            c100 = Vector512.FusedMultiplyAdd(ar, b0, c100); c101 = Vector512.FusedMultiplyAdd(ar, b1, c101);
            ar = Vector512.Create(a[11]);
            c110 = Vector512.FusedMultiplyAdd(ar, b0, c110); c111 = Vector512.FusedMultiplyAdd(ar, b1, c111);
            a += Mr;
            b += Nr;
        }
        var alphaV = Vector512.Create(alpha);
        Vector512<float> bias0 = default, bias1 = default;
        if (bias != null) { bias0 = Vector512.Load(bias); bias1 = Vector512.Load(bias + 16); }
        StoreRow(c + 0 * ldc, c000, c001, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 1 * ldc, c010, c011, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 2 * ldc, c020, c021, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 3 * ldc, c030, c031, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 4 * ldc, c040, c041, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 5 * ldc, c050, c051, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 6 * ldc, c060, c061, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 7 * ldc, c070, c071, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 8 * ldc, c080, c081, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 9 * ldc, c090, c091, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 10 * ldc, c100, c101, alphaV, beta, bias != null, bias0, bias1, act);
        StoreRow(c + 11 * ldc, c110, c111, alphaV, beta, bias != null, bias0, bias1, act);
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
        for (int r = 0; r < 4; r++)
            for (int j = 0; j < 4; j++)
                c[r * ldc + j] = Activations.Apply(act, Epilogue.Combine(acc[r * 4 + j], alpha, beta, c + r * ldc + j, bias == null ? 0f : bias[j], bias != null));
    }
}
