using System.Runtime.Intrinsics;
using OfflineSafety.Nn.Autodiff;

namespace OfflineSafety.Nn.Kernels;

/// <summary>
/// Float32 matrix products for the network engine. All matrices are row-major with a leading
/// dimension (the distance between rows, at least the row length).
/// <para>
/// Linear layer conventions (PyTorch's): X is [batch, inF], W is [outF, inF], b is [outF], Y is [batch, outF].
/// Forward: Y = act(X W^T + b) via <see cref="LinearForward"/>.
/// Backward, given dY = dL/dY after the activation's derivative (see <see cref="Activations.Backward"/>):
/// dX = dY W, dW = dY^T X, db = column sums of dY, all three via <see cref="LinearBackward"/>;
/// each is also one <see cref="Sgemm"/> / <see cref="ColumnSums"/> call when a caller needs only part.
/// </para>
/// Results are deterministic: they depend on the inputs and the selected kernel, not on the thread count.
/// </summary>
public static class Gemm
{
    /// <summary>C = alpha * op(A) op(B) + beta * C with op(A) m x k, op(B) k x n, C m x n. When beta is 0, C is
    /// not read (NaNs in it do not propagate); when alpha is 0 or k is 0, A and B are not read.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, ComputeOptions? options = null)
    {
        options ??= ComputeOptions.Default;
        CheckDims(m, n, k);
        CheckMatrix(nameof(a), a.Length, transA ? k : m, transA ? m : k, lda);
        CheckMatrix(nameof(b), b.Length, transB ? n : k, transB ? k : n, ldb);
        CheckMatrix(nameof(c), c.Length, m, n, ldc);
        if (options.UseOpenBlas && OpenBlas.TrySgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
            return;
        Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ReadOnlySpan<float>.Empty, Activation.None, options, default);
    }

    /// <summary>
    /// <see cref="Sgemm"/> with op(B) a matrix held in a persistent tensor from <paramref name="bOffset"/> on
    /// (a weight matrix, or one layer of a flat parameter vector): its packed panels are kept and
    /// reused for as long as the tensor's <see cref="Tensor.Version"/> stays the same.
    /// </summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        Tensor b, int bOffset, int ldb, float beta, Span<float> c, int ldc, ComputeOptions? options = null)
    {
        options ??= ComputeOptions.Default;
        CheckDims(m, n, k);
        CheckMatrix(nameof(a), a.Length, transA ? k : m, transA ? m : k, lda);
        var bValues = Slice(b, bOffset);
        CheckMatrix(nameof(b), bValues.Length, transB ? n : k, transB ? k : n, ldb);
        CheckMatrix(nameof(c), c.Length, m, n, ldc);
        if (options.UseOpenBlas && OpenBlas.TrySgemm(transA, transB, m, n, k, alpha, a, lda, bValues, ldb, beta, c, ldc))
            return;
        Run(transA, transB, m, n, k, alpha, a, lda, bValues, ldb, beta, c, ldc, ReadOnlySpan<float>.Empty, Activation.None, options,
            KeptPanels(b, bOffset));
    }

    /// <summary>Y = act(X W^T + b), fused: bias and activation are applied to each output tile while it is
    /// still in cache. <paramref name="bias"/> may be empty for a layer without one.</summary>
    public static void LinearForward(ReadOnlySpan<float> x, int batch, int inF, ReadOnlySpan<float> w, ReadOnlySpan<float> bias,
        int outF, Span<float> y, Activation act, ComputeOptions? options = null)
    {
        options ??= ComputeOptions.Default;
        CheckDims(batch, outF, inF);
        CheckMatrix(nameof(x), x.Length, batch, inF, inF);
        CheckMatrix(nameof(w), w.Length, outF, inF, inF);
        CheckMatrix(nameof(y), y.Length, batch, outF, outF);
        if (!bias.IsEmpty && bias.Length < outF)
            throw new ArgumentException($"bias has {bias.Length} values but the layer has {outF} outputs.", nameof(bias));
        Run(false, true, batch, outF, inF, 1f, x, inF, w, inF, 0f, y, outF, bias, act, options, default);
    }

    /// <summary><see cref="LinearForward(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float}, Activation, ComputeOptions?)"/>
    /// with W the [outF, inF] matrix at <paramref name="weightOffset"/> in a persistent tensor, whose packed
    /// panels are reused while the tensor's <see cref="Tensor.Version"/> stays the same (see <see cref="Sgemm(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, Tensor, int, int, float, Span{float}, int, ComputeOptions?)"/>).</summary>
    public static void LinearForward(ReadOnlySpan<float> x, int batch, int inF, Tensor weights, int weightOffset, ReadOnlySpan<float> bias,
        int outF, Span<float> y, Activation act, ComputeOptions? options = null)
    {
        options ??= ComputeOptions.Default;
        CheckDims(batch, outF, inF);
        var w = Slice(weights, weightOffset);
        CheckMatrix(nameof(x), x.Length, batch, inF, inF);
        CheckMatrix(nameof(weights), w.Length, outF, inF, inF);
        CheckMatrix(nameof(y), y.Length, batch, outF, outF);
        if (!bias.IsEmpty && bias.Length < outF)
            throw new ArgumentException($"bias has {bias.Length} values but the layer has {outF} outputs.", nameof(bias));
        Run(false, true, batch, outF, inF, 1f, x, inF, w, inF, 0f, y, outF, bias, act, options, KeptPanels(weights, weightOffset));
    }

    private static ReadOnlySpan<float> Slice(Tensor t, int offset) =>
        (uint)offset <= (uint)t.Length ? t.Values[offset..] : throw new ArgumentOutOfRangeException(nameof(offset), offset, $"offset past the end of {t}");

    // Tape tensors are rewritten every step; only persistent ones keep panels.
    private static (PackedPanels? Panels, int Offset, long Version) KeptPanels(Tensor t, int offset)
    {
        if (t.Owner is not null) return default;
        var panels = t.Panels ?? Interlocked.CompareExchange(ref t.Panels, new PackedPanels(), null) ?? t.Panels;
        return (panels, offset, t.Version);
    }

    /// <summary>
    /// Gradients of a linear layer from dY [batch, outF] (already multiplied by the activation's derivative):
    /// dX = dY W into <paramref name="dx"/> (overwritten; pass an empty span to skip, e.g. for the first layer),
    /// dW = dY^T X into <paramref name="dw"/> and db = column sums of dY into <paramref name="db"/>
    /// (overwritten, or added to when <paramref name="accumulate"/>, as for gradients summed over several
    /// batches; pass empty spans to skip either).
    /// </summary>
    public static void LinearBackward(ReadOnlySpan<float> x, int batch, int inF, ReadOnlySpan<float> w, int outF,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dw, Span<float> db, bool accumulate, ComputeOptions? options = null)
    {
        options ??= ComputeOptions.Default;
        CheckDims(batch, outF, inF);
        CheckMatrix(nameof(dy), dy.Length, batch, outF, outF);
        if (!dx.IsEmpty)
            Sgemm(false, false, batch, inF, outF, 1f, dy, outF, w, inF, 0f, dx, inF, options);
        if (!dw.IsEmpty)
            Sgemm(true, false, outF, inF, batch, 1f, dy, outF, x, inF, accumulate ? 1f : 0f, dw, inF, options);
        if (!db.IsEmpty)
            ColumnSums(dy, batch, outF, outF, db, accumulate);
    }

    /// <summary>sums[j] (+)= sum over rows i of matrix[i * ld + j], rows added in order (deterministic).</summary>
    public static void ColumnSums(ReadOnlySpan<float> matrix, int rows, int cols, int ld, Span<float> sums, bool accumulate)
    {
        CheckDims(rows, cols, 0);
        CheckMatrix(nameof(matrix), matrix.Length, rows, cols, ld);
        if (sums.Length < cols)
            throw new ArgumentException($"sums has {sums.Length} values but the matrix has {cols} columns.", nameof(sums));
        if (!accumulate) sums[..cols].Clear();
        int j = 0;
        for (; j <= cols - 8; j += 8)
        {
            var acc = Vector256.Create(sums.Slice(j, 8));
            for (int i = 0; i < rows; i++) acc += Vector256.Create(matrix.Slice(i * ld + j, 8));
            acc.CopyTo(sums.Slice(j, 8));
        }
        for (; j < cols; j++)
        {
            float acc = sums[j];
            for (int i = 0; i < rows; i++) acc += matrix[i * ld + j];
            sums[j] = acc;
        }
    }

    /// <summary>The micro-kernel <see cref="GemmKernel.Auto"/> selects on this CPU.</summary>
    public static GemmKernel NativeKernel { get; } = GemmDriver.Resolve(GemmKernel.Auto);

    /// <summary>The micro-kernel these options select on this CPU (for benchmark reports).</summary>
    public static string KernelName(ComputeOptions? options = null) =>
        GemmDriver.Resolve((options ?? ComputeOptions.Default).Kernel) switch
        {
            GemmKernel.Avx512 => "avx512 12x32",
            GemmKernel.Avx2 => "avx2+fma 6x16",
            _ => "scalar 4x4",
        };

    private static unsafe void Run(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, ReadOnlySpan<float> bias, Activation act, ComputeOptions options,
        (PackedPanels? Panels, int Offset, long Version) kept)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pbias = bias)
        {
            var problem = new GemmProblem(transA, transB, m, n, k, alpha, (nint)pa, lda, (nint)pb, ldb, beta, (nint)pc, ldc,
                bias.IsEmpty ? 0 : (nint)pbias, act)
            { Panels = kept.Panels, PanelOffset = kept.Offset, PanelVersion = kept.Version };
            GemmDriver.Run(problem, options);
        }
    }

    private static void CheckDims(int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"Matrix sizes must be non-negative (m={m}, n={n}, k={k}).");
    }

    private static void CheckMatrix(string name, int length, int rows, int cols, int ld)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentException($"{name}: leading dimension {ld} is smaller than its row length {cols}.", name);
        long needed = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException($"{name} holds {length} values but a {rows} x {cols} matrix with leading dimension {ld} needs {needed}.", name);
    }
}
