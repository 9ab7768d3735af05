using System.Collections.Concurrent;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Nn.Optim;

public static class PolyakAveraging
{
    /// <summary>Soft target update target = (1 - tau) * target + tau * source, tensor by tensor. Each
    /// value is updated alone, so large networks are cut into ranges across <paramref name="compute"/>'s
    /// threads (all cores by default) without changing any value.</summary>
    public static void Update(IReadOnlyList<Tensor> target, IReadOnlyList<Tensor> source, float tau, ComputeOptions? compute = null)
    {
        if (target.Count != source.Count) throw new ArgumentException($"target has {target.Count} tensors, source {source.Count}");
        if (!(tau is >= 0f and <= 1f)) throw new ArgumentOutOfRangeException(nameof(tau), $"tau must lie in [0, 1], got {tau}");
        long total = 0;
        for (int i = 0; i < target.Count; i++)
        {
            if (target[i].Length != source[i].Length) throw new ArgumentException($"tensor {i}: target {target[i].ShapeText} vs source {source[i].ShapeText}");
            total += target[i].Length;
        }
        int parts = total < SplitMinElements ? 1 : (int)Math.Min((compute ?? ComputeOptions.Default).Threads, total / (SplitMinElements / 2));
        if (parts <= 1)
        {
            for (int i = 0; i < target.Count; i++) Blend(target[i].Data, source[i].Values, tau);
            return;
        }
        var split = Idle.TryDequeue(out var reused) ? reused : new Split();
        split.Target = target;
        split.Source = source;
        split.Tau = tau;
        split.Total = total;
        split.Parts = parts;
        try
        {
            PartSplit.Run(split, parts, parts);
        }
        finally
        {
            split.Target = split.Source = null;
            Idle.Enqueue(split);
        }
    }

    const int SplitMinElements = 32 * 1024;

    // Reusable split states (like ArrayPool.Shared), so a training step allocates nothing.
    static readonly ConcurrentQueue<Split> Idle = new();

    // Decay then add, as torch's wt.mul_(1 - tau).add_(tau * w) (fused multiply-add here).
    internal static void Blend(Span<float> t, ReadOnlySpan<float> s, float tau)
    {
        System.Numerics.Tensors.TensorPrimitives.Multiply(t, 1f - tau, t);
        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(s, tau, t, t);
    }

    sealed class Split : IPartedWork
    {
        public IReadOnlyList<Tensor>? Target, Source;
        public float Tau;
        public long Total;
        public int Parts;

        // Part p blends elements [total * p / parts, total * (p + 1) / parts) of the tensors laid end to end.
        public void RunPart(int part)
        {
            long begin = Total * part / Parts, end = Total * (part + 1) / Parts, start = 0;
            for (int i = 0; i < Target!.Count && start < end; i++)
            {
                int length = Target[i].Length;
                long lo = Math.Max(begin, start), hi = Math.Min(end, start + length);
                if (lo < hi)
                {
                    int from = (int)(lo - start), count = (int)(hi - lo);
                    Blend(Target[i].Data.Slice(from, count), Source![i].Values.Slice(from, count), Tau);
                }
                start += length;
            }
        }
    }
}
