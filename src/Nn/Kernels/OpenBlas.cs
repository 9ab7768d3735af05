using System.Runtime.InteropServices;

namespace OfflineSafety.Nn.Kernels;

/// <summary>
/// Optional hand-off to OpenBLAS's cblas_sgemm, used only when <see cref="ComputeOptions.UseOpenBlas"/> is set
/// and libopenblas.so.0 loads, as a cross-check and speed reference for the managed kernels.
/// </summary>
internal static unsafe class OpenBlas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    // Loaded once per process: the library is either installed or not, nothing about it changes later.
    private static readonly Lazy<nint> SgemmEntry = new(Load);

    public static bool IsAvailable => SgemmEntry.Value != 0;

    public static bool TrySgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        nint entry = SgemmEntry.Value;
        if (entry == 0) return false;
        if (m == 0 || n == 0) return true;
        var sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)entry;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
            sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        return true;
    }

    private static nint Load()
    {
        foreach (string name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblas" })
            if (NativeLibrary.TryLoad(name, out nint handle) && NativeLibrary.TryGetExport(handle, "cblas_sgemm", out nint entry))
                return entry;
        return 0;
    }
}
