using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Nn.Tests.Kernels;

/// <summary>Textbook float64 GEMM and helpers the kernel tests compare against.</summary>
internal static class Reference
{
    public static float[] Random(int count, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return values;
    }

    /// <summary>Returns C = alpha op(A) op(B) + beta C in float64, and the magnitude bound
    /// |alpha| sum |a||b| + |beta c| per element that float32 rounding error scales with.</summary>
    public static (double[] Value, double[] Magnitude) Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc)
    {
        var value = new double[m * n];
        var magnitude = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? a[p * lda + i] : a[i * lda + p];
                    double bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                    abs += Math.Abs(av * bv);
                }
                double prior = beta == 0f ? 0 : beta * (double)c[i * ldc + j];
                value[i * n + j] = alpha * sum + prior;
                magnitude[i * n + j] = Math.Abs(alpha) * abs + Math.Abs(prior);
            }
        return (value, magnitude);
    }

    public static double Activate(Activation act, double v) => act switch
    {
        Activation.Relu => Math.Max(v, 0),
        Activation.Tanh => Math.Tanh(v),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
        _ => v,
    };
}
