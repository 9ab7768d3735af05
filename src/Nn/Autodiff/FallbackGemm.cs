using System.Numerics.Tensors;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Nn.Autodiff;

/// <summary>
/// Plain row-axpy / dot-product matrix multiply used until the blocked kernels in
/// OfflineSafety.Nn.Kernels.Gemm are merged. Same contract as Gemm.Sgemm (row-major,
/// C = alpha*op(A)*op(B) + beta*C). Reached only through <see cref="MatrixKernels"/>.
/// </summary>
internal static class FallbackGemm
{
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var crow = c.Slice(i * ldc, n);
            if (beta == 0f) crow.Clear();
            else if (beta != 1f) TensorPrimitives.Multiply(crow, beta, crow);
            if (!transB)
            {
                for (int p = 0; p < k; p++)
                {
                    float aip = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
                    if (aip == 0f) continue;
                    TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), aip, crow, crow);
                }
            }
            else if (!transA)
            {
                var arow = a.Slice(i * lda, k);
                for (int j = 0; j < n; j++) crow[j] += alpha * TensorPrimitives.Dot(arow, b.Slice(j * ldb, k));
            }
            else
            {
                for (int j = 0; j < n; j++)
                {
                    float s = 0f;
                    for (int p = 0; p < k; p++) s += a[p * lda + i] * b[j * ldb + p];
                    crow[j] += alpha * s;
                }
            }
        }
    }

    public static void LinearForward(ReadOnlySpan<float> x, int batch, int inF, ReadOnlySpan<float> w,
        ReadOnlySpan<float> bias, int outF, Span<float> y, Activation act)
    {
        Sgemm(false, true, batch, outF, inF, 1f, x, inF, w, inF, 0f, y, outF);
        for (int r = 0; r < batch; r++)
        {
            var row = y.Slice(r * outF, outF);
            if (!bias.IsEmpty) TensorPrimitives.Add(row, bias, row);
        }
        MatrixKernels.Activate(y.Slice(0, batch * outF), act);
    }
}

/// <summary>The one place the engine calls matrix kernels, so switching implementations is a one-line change.</summary>
internal static class MatrixKernels
{
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        => FallbackGemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    public static void LinearForward(ReadOnlySpan<float> x, int batch, int inF, ReadOnlySpan<float> w,
        ReadOnlySpan<float> bias, int outF, Span<float> y, Activation act)
        => FallbackGemm.LinearForward(x, batch, inF, w, bias, outF, y, act);

    public static void Activate(Span<float> y, Activation act)
    {
        switch (act)
        {
            case Activation.Relu: TensorPrimitives.Max(y, 0f, y); break;
            case Activation.Tanh: TensorPrimitives.Tanh(y, y); break;
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(y, y); break;
        }
    }
}
