using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OfflineSafety.Nn.Kernels;

/// <summary>
/// The last strip of a product whose column count leaves at most 8 columns over (100 = 6 x 16 + 4,
/// a 100-wide layer's last strip): 12 rows x 8 columns per call instead of a 16-wide (or 32-wide)
/// tile that is mostly zero padding. The padded tile spends 12 FMAs per k step on 6 rows; this one
/// spends 12 on 12 rows, so the edge strip costs half (a quarter against the 12 x 32 tile). Each
/// output is the tiles' chain of fused multiply-adds (from zero, k ascending) and is finished by the
/// same scalar epilogue the padded edge tile used, so results are bit-identical to it.
/// </summary>
internal static unsafe class NarrowEdge
{
    public const int Columns = 8;
    public const int Rows = 12;

    /// <summary>Whether the edge kernel runs natively here and can address the tile's packed A:
    /// rows 0-5 and 6-11 of a 12-row chunk must each be six consecutive lanes of one packed strip.</summary>
    public static bool Applies<TTile>(int columns) where TTile : struct, IMicroKernel =>
        columns <= Columns && (TTile.Mr == 6 || TTile.Mr == 12) && TTile.Nr >= Columns && Fma.IsSupported && Avx.IsSupported;

    /// <summary>
    /// rows (6 or 12) of packed A times the first 8 lanes of a packed B strip (row p at b + p * bStride);
    /// rows 0-5 are lanes 0-5 at a0 + p * aStride, rows 6-11 lanes 0-5 at a1 + p * aStride. Raw products
    /// go to acc, row r at acc + r * 8.
    /// </summary>
    public static void Multiply(bool twelve, int kc, float* a0, float* a1, nint aStride, float* b, nint bStride, float* acc)
    {
        if (twelve) Multiply<TwelveRows>(kc, a0, a1, aStride, b, bStride, acc);
        else Multiply<SixRows>(kc, a0, a1, aStride, b, bStride, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Multiply<TRows>(int kc, float* a0, float* a1, nint aStride, float* b, nint bStride, float* acc) where TRows : struct, IRowCount
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int p = 0; p < kc; p++)
        {
            var w = Avx.LoadVector256(b);
            c0 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a0), w, c0);
            c1 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a0 + 1), w, c1);
            c2 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a0 + 2), w, c2);
            c3 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a0 + 3), w, c3);
            c4 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a0 + 4), w, c4);
            c5 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a0 + 5), w, c5);
            if (TRows.Rows > 6)
            {
                c6 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a1), w, c6);
                c7 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a1 + 1), w, c7);
                c8 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a1 + 2), w, c8);
                c9 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a1 + 3), w, c9);
                c10 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a1 + 4), w, c10);
                c11 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a1 + 5), w, c11);
            }
            a0 += aStride;
            a1 += aStride;
            b += bStride;
        }
        Avx.Store(acc, c0); Avx.Store(acc + 8, c1); Avx.Store(acc + 16, c2);
        Avx.Store(acc + 24, c3); Avx.Store(acc + 32, c4); Avx.Store(acc + 40, c5);
        if (TRows.Rows > 6)
        {
            Avx.Store(acc + 48, c6); Avx.Store(acc + 56, c7); Avx.Store(acc + 64, c8);
            Avx.Store(acc + 72, c9); Avx.Store(acc + 80, c10); Avx.Store(acc + 88, c11);
        }
    }

    /// <summary><see cref="Multiply"/> with A row-major where it lies: row r's kc values at a + r * lda.</summary>
    public static void MultiplyRows(bool twelve, int kc, float* a, nint lda, float* b, nint bStride, float* acc)
    {
        if (twelve) MultiplyRows<TwelveRows>(kc, a, lda, b, bStride, acc);
        else MultiplyRows<SixRows>(kc, a, lda, b, bStride, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void MultiplyRows<TRows>(int kc, float* a, nint lda, float* b, nint bStride, float* acc) where TRows : struct, IRowCount
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        float* a3 = a + 3 * lda, a6 = a + 6 * lda, a9 = a + 9 * lda;
        for (int p = 0; p < kc; p++)
        {
            var w = Avx.LoadVector256(b);
            c0 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a), w, c0);
            c1 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a + lda), w, c1);
            c2 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a + 2 * lda), w, c2);
            c3 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a3), w, c3);
            c4 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a3 + lda), w, c4);
            c5 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a3 + 2 * lda), w, c5);
            if (TRows.Rows > 6)
            {
                c6 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a6), w, c6);
                c7 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a6 + lda), w, c7);
                c8 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a6 + 2 * lda), w, c8);
                c9 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a9), w, c9);
                c10 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a9 + lda), w, c10);
                c11 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a9 + 2 * lda), w, c11);
            }
            a++; a3++; a6++; a9++;
            b += bStride;
        }
        Avx.Store(acc, c0); Avx.Store(acc + 8, c1); Avx.Store(acc + 16, c2);
        Avx.Store(acc + 24, c3); Avx.Store(acc + 32, c4); Avx.Store(acc + 40, c5);
        if (TRows.Rows > 6)
        {
            Avx.Store(acc + 48, c6); Avx.Store(acc + 56, c7); Avx.Store(acc + 64, c8);
            Avx.Store(acc + 72, c9); Avx.Store(acc + 80, c10); Avx.Store(acc + 88, c11);
        }
    }

    /// <summary>
    /// The epilogue for rows x columns raw products at acc (row stride 8) when columns is 4 or 8 and the
    /// activation is none or ReLU: one 128- or 256-bit vector per row, the same operations as the tiles'
    /// <c>StoreRow</c> and the scalar <c>StoreEdge</c> (alpha, then bias, then fused beta * C, then max with
    /// zero), so the same bits. False, writing nothing, for any other case (the caller runs the scalar form).
    /// </summary>
    public static bool TryStore(float* acc, int rows, int columns, float* c, nint ldc, float alpha, float beta, float* bias, Activation act)
    {
        if (act != Activation.None && act != Activation.Relu) return false;
        bool relu = act == Activation.Relu;
        if (columns == 8)
        {
            var alphaV = Vector256.Create(alpha);
            var biasV = bias != null ? Avx.LoadVector256(bias) : default;
            for (int r = 0; r < rows; r++, acc += Columns, c += ldc)
            {
                var v = Avx.Multiply(Avx.LoadVector256(acc), alphaV);
                if (bias != null) v = Avx.Add(v, biasV);
                if (beta != 0f) v = Fma.MultiplyAdd(Vector256.Create(beta), Avx.LoadVector256(c), v);
                if (relu) v = Vector256.Max(v, Vector256<float>.Zero);
                Avx.Store(c, v);
            }
            return true;
        }
        if (columns == 4)
        {
            var alphaV = Vector128.Create(alpha);
            var biasV = bias != null ? Sse.LoadVector128(bias) : default;
            for (int r = 0; r < rows; r++, acc += Columns, c += ldc)
            {
                var v = Sse.Multiply(Sse.LoadVector128(acc), alphaV);
                if (bias != null) v = Sse.Add(v, biasV);
                if (beta != 0f) v = Fma.MultiplyAdd(Vector128.Create(beta), Sse.LoadVector128(c), v);
                if (relu) v = Vector128.Max(v, Vector128<float>.Zero);
                Sse.Store(c, v);
            }
            return true;
        }
        return false;
    }

    private readonly struct SixRows : IRowCount { public static int Rows => 6; }
    private readonly struct TwelveRows : IRowCount { public static int Rows => 12; }
}
