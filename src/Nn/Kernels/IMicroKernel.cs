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
}
