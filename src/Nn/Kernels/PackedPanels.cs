using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OfflineSafety.Nn.Kernels;

/// <summary>
/// The packed op(B) panels of the weight matrices held in one tensor, kept between products and
/// repacked only when the tensor's version has moved: a matrix whose values have not changed since
/// its last product (inference, a frozen target or actor, the tasks of one meta-iteration) is not
/// packed again. One entry per matrix (offset in the tensor, shape, layout) and strip width.
/// The panels hold exactly what per-call packing would produce, so results are unchanged.
/// </summary>
internal sealed unsafe class PackedPanels
{
    private Entry[] _entries = [];

    private sealed class Entry(int offset, bool transB, int k, int n, int ldb, int nr, float[] buffer)
    {
        public readonly int Offset = offset, K = k, N = n, Ldb = ldb, Nr = nr;
        public readonly bool TransB = transB;
        // Pinned (allocated on the pinned heap) so products can hold its address without fixing it.
        public readonly float[] Buffer = buffer;
        public long Version = long.MinValue;
        // The version a split product last saw without packing (see Acquire).
        public long Seen = long.MinValue;
        public nint Address => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Buffer));
    }

    /// <summary>
    /// The panels of p's k x n matrix op(B), packed into nr-wide strips of all k rows (strip s at
    /// s * nr * k), packing them first when p's panel version differs from the one they were packed
    /// at. The lock makes concurrent products on the same tensor (the tasks of a meta-iteration on
    /// separate cores) pack once and never read a half-packed panel.
    /// <para>
    /// For a product that will be split across threads (<paramref name="split"/>), a matrix seen at a
    /// version for the first time is not packed here but by each part for itself (0 is returned):
    /// packing on the caller leaves the panels in the caller's cache, and the other core then pulls
    /// all of them across (on the 2-vCPU Zen 5 build machine a stale 256 x 256 panel cost a split
    /// product about 50 us this way, against 8 us for the packing itself; docs/benchmarks.md, "Step
    /// 14: critic_update's two-thread split"). A weight that changes every step (the trained critic,
    /// a Polyak target) is seen once per version and never kept; one that stays the same (inference,
    /// a frozen actor) is packed here on its second product and kept from then on.
    /// </para>
    /// </summary>
    public nint Acquire<TTile>(in GemmProblem p, bool split) where TTile : struct, IMicroKernel
    {
        lock (this)
        {
            var entry = Find(p.PanelOffset, p.TransB, p.K, p.N, p.Ldb, TTile.Nr);
            if (entry.Version != p.PanelVersion)
            {
                if (split && entry.Seen != p.PanelVersion)
                {
                    entry.Seen = p.PanelVersion;
                    return 0;
                }
                GemmDriver.PackWhole<TTile>(p, (float*)entry.Address);
                entry.Version = p.PanelVersion;
            }
            return entry.Address;
        }
    }

    private Entry Find(int offset, bool transB, int k, int n, int ldb, int nr)
    {
        foreach (var e in _entries)
            if (e.Offset == offset && e.TransB == transB && e.K == k && e.N == n && e.Ldb == ldb && e.Nr == nr)
                return e;
        int strips = (n + nr - 1) / nr;
        var created = new Entry(offset, transB, k, n, ldb, nr, GC.AllocateUninitializedArray<float>(strips * nr * k, pinned: true));
        _entries = [.. _entries, created];
        return created;
    }
}
