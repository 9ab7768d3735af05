using OfflineSafety.Nn.Autodiff;

namespace OfflineSafety.Nn.Optim;

public static class PolyakAveraging
{
    /// <summary>Soft target update target = (1 - tau) * target + tau * source, tensor by tensor.</summary>
    public static void Update(IReadOnlyList<Tensor> target, IReadOnlyList<Tensor> source, float tau)
    {
        if (target.Count != source.Count) throw new ArgumentException($"target has {target.Count} tensors, source {source.Count}");
        if (!(tau is >= 0f and <= 1f)) throw new ArgumentOutOfRangeException(nameof(tau), $"tau must lie in [0, 1], got {tau}");
        for (int i = 0; i < target.Count; i++)
        {
            var t = target[i].Data;
            var s = source[i].Data;
            if (t.Length != s.Length) throw new ArgumentException($"tensor {i}: target {target[i].ShapeText} vs source {source[i].ShapeText}");
            // Decay then add, as torch's wt.mul_(1 - tau).add_(tau * w) (fused multiply-add here).
            System.Numerics.Tensors.TensorPrimitives.Multiply(t, 1f - tau, t);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(s, tau, t, t);
        }
    }
}
