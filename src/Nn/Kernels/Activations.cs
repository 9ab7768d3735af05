using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OfflineSafety.Nn.Kernels;

/// <summary>
/// Activations and their derivatives over spans. The vector lanes and the scalar tail run the same
/// sequence of IEEE operations, so an element's result does not depend on where it falls in a span;
/// that keeps the GEMM epilogue bit-identical however the output is tiled or split across threads.
/// </summary>
public static class Activations
{
    public static void Apply(Activation activation, Span<float> values)
    {
        switch (activation)
        {
            case Activation.None: return;
            case Activation.Relu: Relu(values); return;
            case Activation.Tanh: Tanh(values); return;
            case Activation.Sigmoid: Sigmoid(values); return;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    /// <summary>
    /// Multiplies <paramref name="gradient"/> in place by the activation's derivative, written in terms
    /// of the activation's output <paramref name="output"/> (what a forward pass keeps anyway):
    /// relu' = [y &gt; 0], tanh' = 1 - y^2, sigmoid' = y (1 - y).
    /// </summary>
    public static void Backward(Activation activation, ReadOnlySpan<float> output, Span<float> gradient)
    {
        if (output.Length != gradient.Length)
            throw new ArgumentException($"output has {output.Length} values but gradient has {gradient.Length}.", nameof(gradient));
        int i = 0;
        switch (activation)
        {
            case Activation.None:
                return;
            case Activation.Relu:
                for (; i <= output.Length - 8; i += 8)
                {
                    var y = Vector256.Create(output.Slice(i, 8));
                    var g = Vector256.Create(gradient.Slice(i, 8));
                    Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), g, Vector256<float>.Zero).CopyTo(gradient.Slice(i, 8));
                }
                for (; i < output.Length; i++) gradient[i] = output[i] > 0f ? gradient[i] : 0f;
                return;
            case Activation.Tanh:
                for (; i <= output.Length - 8; i += 8)
                {
                    var y = Vector256.Create(output.Slice(i, 8));
                    var g = Vector256.Create(gradient.Slice(i, 8));
                    (g * Vector256.FusedMultiplyAdd(-y, y, Vector256<float>.One)).CopyTo(gradient.Slice(i, 8));
                }
                for (; i < output.Length; i++) gradient[i] *= MathF.FusedMultiplyAdd(-output[i], output[i], 1f);
                return;
            case Activation.Sigmoid:
                for (; i <= output.Length - 8; i += 8)
                {
                    var y = Vector256.Create(output.Slice(i, 8));
                    var g = Vector256.Create(gradient.Slice(i, 8));
                    (g * (y * (Vector256<float>.One - y))).CopyTo(gradient.Slice(i, 8));
                }
                for (; i < output.Length; i++) gradient[i] *= output[i] * (1f - output[i]);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    public static void Relu(Span<float> values) => Apply<ReluOp>(values);

    public static void Sigmoid(Span<float> values) => Apply<SigmoidOp>(values);

    public static void Tanh(Span<float> values) => Apply<TanhOp>(values);

    /// <summary>The activation of one vector, for GEMM epilogues that apply it while the tile is in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Apply(Activation activation, Vector256<float> x) => activation switch
    {
        Activation.Relu => ReluOp.Invoke(x),
        Activation.Tanh => TanhOp.Invoke(x),
        Activation.Sigmoid => SigmoidOp.Invoke(x),
        _ => x,
    };

    /// <summary>ReLU of one vector, exactly as <see cref="Apply(Activation, Vector256{float})"/> computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Relu(Vector256<float> x) => ReluOp.Invoke(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Apply(Activation activation, float x) => activation switch
    {
        Activation.Relu => ReluOp.Invoke(x),
        Activation.Tanh => TanhOp.Invoke(x),
        Activation.Sigmoid => SigmoidOp.Invoke(x),
        _ => x,
    };

    private static void Apply<TOp>(Span<float> values) where TOp : struct, IActivationOp
    {
        int i = 0;
        for (; i <= values.Length - 8; i += 8)
            TOp.Invoke(Vector256.Create(values.Slice(i, 8))).CopyTo(values.Slice(i, 8));
        for (; i < values.Length; i++) values[i] = TOp.Invoke(values[i]);
    }

    // Each operation is written once for a vector and once for a scalar with the same IEEE steps.
    private interface IActivationOp
    {
        static abstract Vector256<float> Invoke(Vector256<float> x);
        static abstract float Invoke(float x);
    }

    private readonly struct ReluOp : IActivationOp
    {
        // Max (not a compare-and-select) so a NaN pre-activation stays NaN and divergence is visible.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Invoke(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Invoke(float x) => MathF.Max(x, 0f);
    }

    private readonly struct SigmoidOp : IActivationOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Invoke(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Invoke(float x) => 1f / (1f + Exp(-x));
    }

    // tanh x = 1 - 2 / (e^{2x} + 1): one exponential, and it saturates to exactly +-1 instead of
    // producing inf/inf for large |x|. Its absolute error near 0 is about one float ulp of 1.
    private readonly struct TanhOp : IActivationOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Invoke(Vector256<float> x) =>
            Vector256<float>.One - Vector256.Create(2f) / (Exp(x + x) + Vector256<float>.One);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Invoke(float x) => 1f - 2f / (Exp(x + x) + 1f);
    }

    // e^x = 2^n * e^r with n = round(x / ln 2) and |r| <= ln2 / 2, e^r from its Taylor series to
    // degree 7 (truncation error below 1e-8 relative). ln 2 is split in a high part with few mantissa
    // bits, so n * Ln2High is exact, and a low correction. The input is clamped so 2^n stays a normal float.
    private const float ExpMin = -87f, ExpMax = 88f;
    private const float Log2E = 1.44269504f;
    private const float Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;
    private const float RoundMagic = 12582912f; // 1.5 * 2^23: adding and subtracting it rounds to nearest-even
    private const float T2 = 1f / 2, T3 = 1f / 6, T4 = 1f / 24, T5 = 1f / 120, T6 = 1f / 720, T7 = 1f / 5040;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Exp(float x)
    {
        x = MathF.Min(MathF.Max(x, ExpMin), ExpMax);
        float n = (x * Log2E + RoundMagic) - RoundMagic;
        float r = MathF.FusedMultiplyAdd(n, -Ln2High, x);
        r = MathF.FusedMultiplyAdd(n, -Ln2Low, r);
        float p = T7;
        p = MathF.FusedMultiplyAdd(p, r, T6);
        p = MathF.FusedMultiplyAdd(p, r, T5);
        p = MathF.FusedMultiplyAdd(p, r, T4);
        p = MathF.FusedMultiplyAdd(p, r, T3);
        p = MathF.FusedMultiplyAdd(p, r, T2);
        p = MathF.FusedMultiplyAdd(p, r, 1f);
        p = MathF.FusedMultiplyAdd(p, r, 1f);
        return p * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(ExpMin)), Vector256.Create(ExpMax));
        var magic = Vector256.Create(RoundMagic);
        var n = (x * Vector256.Create(Log2E) + magic) - magic;
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2High), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Low), r);
        var p = Vector256.Create(T7);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(T6));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(T5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(T4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(T3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(T2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return p * scale;
    }
}
