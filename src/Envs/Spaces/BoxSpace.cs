namespace OfflineSafety.Envs.Spaces;

/// <summary>
/// A box of real vectors with per-component bounds (Gymnasium's Box). Unbounded components use
/// infinities. Immutable: the bounds are copied in.
/// </summary>
public sealed class BoxSpace
{
    private readonly float[] _low;
    private readonly float[] _high;

    public BoxSpace(ReadOnlySpan<float> low, ReadOnlySpan<float> high)
    {
        if (low.Length != high.Length || low.Length == 0)
            throw new ArgumentException($"box bounds need equal, non-zero lengths (low {low.Length}, high {high.Length})");
        for (int i = 0; i < low.Length; i++)
            if (!(low[i] <= high[i]))
                throw new ArgumentException($"box component {i}: low {low[i]} is not <= high {high[i]}");
        _low = low.ToArray();
        _high = high.ToArray();
    }

    public static BoxSpace Uniform(int dim, float low, float high)
    {
        Span<float> lo = stackalloc float[dim];
        Span<float> hi = stackalloc float[dim];
        lo.Fill(low);
        hi.Fill(high);
        return new BoxSpace(lo, hi);
    }

    public int Dim => _low.Length;
    public ReadOnlySpan<float> Low => _low;
    public ReadOnlySpan<float> High => _high;

    public bool Contains(ReadOnlySpan<float> value)
    {
        if (value.Length != Dim) return false;
        for (int i = 0; i < value.Length; i++)
            if (!(value[i] >= _low[i] && value[i] <= _high[i])) return false;
        return true;
    }

    /// <summary>
    /// Writes the component-wise clip of <paramref name="value"/> into <paramref name="clipped"/>
    /// and says whether any component moved. NaN is rejected: clipping would hide a broken policy.
    /// </summary>
    public bool Clip(ReadOnlySpan<float> value, Span<float> clipped)
    {
        if (value.Length != Dim || clipped.Length != Dim)
            throw new ArgumentException($"expected {Dim} components, got {value.Length} in and {clipped.Length} out");
        bool moved = false;
        for (int i = 0; i < value.Length; i++)
        {
            float v = value[i];
            if (float.IsNaN(v)) throw new ArgumentException($"component {i} is NaN", nameof(value));
            float c = Math.Clamp(v, _low[i], _high[i]);
            moved |= c != v;
            clipped[i] = c;
        }
        return moved;
    }
}
