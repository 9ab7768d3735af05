using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OfflineSafety.Nn.Kernels;

/// <summary>The scalar form of the tiles' store: alpha * acc, then + bias, then fused + beta * C.</summary>
internal static class Epilogue
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float Combine(float acc, float alpha, float beta, float* c, float bias, bool hasBias)
    {
        float v = acc * alpha;
        if (hasBias) v += bias;
        return beta != 0f ? MathF.FusedMultiplyAdd(beta, *c, v) : v;
    }
}
