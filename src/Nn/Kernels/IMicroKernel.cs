using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OfflineSafety.Nn.Kernels;

/// <summary>
/// A register-blocked tile of the GEMM inner loop: multiplies an Mr x kc packed strip of A by a
/// kc x Nr packed strip of B, keeping the Mr x Nr product in registers for the whole kc loop, and
/// writes C = act(alpha * AB + bias + beta * C) (C is not read when beta is 0; bias may be null;
/// the driver passes an activation only with the last kc block).
/// Packed strips hold, for each p, Mr (resp. Nr) consecutive values, so every load in the loop is
/// sequential and the tile reuses each loaded B vector Mr times and each A value Nr times.
/// </summary>
internal interface IMicroKernel
{
    static abstract int Mr { get; }
    static abstract int Nr { get; }
    static abstract unsafe void Multiply(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, float* bias, Activation act);

    /// <summary>
    /// The leftover rows of a partial row block: rows (1 to <see cref="FewRows"/>) lanes of a packed A
    /// strip (lane r at a[p * Mr + r]) times strips (1 or 2) packed B strips, the second at b + stripStride.
    /// Raw products go to acc, strip s's rows x Nr block at acc + s * FewRows * Nr, for
    /// <see cref="Store"/> to finish. Each value is the tile's chain of fused multiply-adds (from zero,
    /// p ascending), so a row's results do not depend on whether it fell in a full tile.
    /// </summary>
    static abstract unsafe void MultiplyFew(int rows, int kc, float* a, float* b, nint stripStride, int strips, float* acc);

    /// <summary>The tile's epilogue for rows x Nr raw products at acc (row stride Nr) into C.</summary>
    static abstract unsafe void Store(float* acc, int rows, float* c, nint ldc, float alpha, float beta, float* bias, Activation act);

    /// <summary>Whether <see cref="MultiplyRows"/> is implemented (then a row-major op(A) is not packed).</summary>
    static virtual bool ReadsRowsInPlace => false;

    /// <summary>
    /// <see cref="Multiply"/> with op(A) read where it lies, row-major: row r's kc values at a + r * lda.
    /// Packing a row-major A is an 8 x 8 transpose per 64 values; the tile can broadcast from the six
    /// rows directly instead (each row is a sequential stream). Same chain of FMAs, same bits.
    /// </summary>
    static virtual unsafe void MultiplyRows(int kc, float* a, nint lda, float* b, float* c, nint ldc, float alpha, float beta, float* bias, Activation act) =>
        throw new NotSupportedException("this tile packs A");

    /// <summary>Whether <see cref="MultiplyColumns"/> is implemented (then a transposed op(A) is not packed).</summary>
    static virtual bool ReadsColumnsInPlace => false;

    /// <summary>
    /// <see cref="Multiply"/> with op(A) = A^T read where it lies: the Mr values of step p at a + p * lda,
    /// which is the packed strip's layout with a stride of lda instead of Mr (a weight gradient
    /// dY^T X reads dY this way). Same chain of FMAs, same bits.
    /// </summary>
    static virtual unsafe void MultiplyColumns(int kc, float* a, nint lda, float* b, float* c, nint ldc, float alpha, float beta, float* bias, Activation act) =>
        throw new NotSupportedException("this tile packs A");

    /// <summary>Most rows <see cref="MultiplyFew"/> takes at once.</summary>
    public const int FewRows = 4;
}

/// <summary>A row count known when the JIT specialises a kernel, so per-row branches fold away.</summary>
internal interface IRowCount { static abstract int Rows { get; } }
internal readonly struct OneRow : IRowCount { public static int Rows => 1; }
internal readonly struct TwoRows : IRowCount { public static int Rows => 2; }
internal readonly struct ThreeRows : IRowCount { public static int Rows => 3; }
internal readonly struct FourRows : IRowCount { public static int Rows => 4; }
