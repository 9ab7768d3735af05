namespace OfflineSafety.Meta.Online;

/// <summary>
/// Maps the tanh policies' squashed actions u in [-1, 1] onto an environment's action box and back.
/// Buffers and logs hold environment units; networks see u.
/// </summary>
public sealed class SquashedActionBox
{
    // atanh of exactly +-1 is infinite; logged actions on the boundary are pulled inside by this much.
    private const float Edge = 1f - 1e-5f;
    private readonly float[] _low;
    private readonly float[] _high;

    public SquashedActionBox(ReadOnlySpan<float> low, ReadOnlySpan<float> high)
    {
        if (low.Length != high.Length) throw new ArgumentException($"action box has {low.Length} lower and {high.Length} upper bounds");
        for (int d = 0; d < low.Length; d++)
            if (!float.IsFinite(low[d]) || !float.IsFinite(high[d]) || !(high[d] > low[d]))
                throw new ArgumentException($"action dimension {d} needs finite bounds low < high, got [{low[d]}, {high[d]}]");
        _low = low.ToArray();
        _high = high.ToArray();
    }

    public int Dim => _low.Length;
    public float Low(int d) => _low[d];
    public float High(int d) => _high[d];

    /// <summary>d(action)/du: the half-width of the box.</summary>
    public float Slope(int d) => 0.5f * (_high[d] - _low[d]);

    public void ToEnvironment(ReadOnlySpan<float> squashed, Span<float> action)
    {
        for (int d = 0; d < _low.Length; d++) action[d] = _low[d] + (squashed[d] + 1f) * Slope(d);
    }

    public void ToSquashed(ReadOnlySpan<float> action, Span<float> squashed)
    {
        for (int d = 0; d < _low.Length; d++)
            squashed[d] = Math.Clamp((action[d] - _low[d]) / Slope(d) - 1f, -Edge, Edge);
    }

    public void Clip(Span<float> action)
    {
        for (int d = 0; d < _low.Length; d++) action[d] = Math.Clamp(action[d], _low[d], _high[d]);
    }
}
