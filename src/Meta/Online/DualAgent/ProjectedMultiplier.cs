namespace OfflineSafety.Meta.Online.DualAgent;

/// <summary>
/// A Lagrange multiplier by projected ascent: lambda &lt;- max(0, lambda + eta * excess), where excess
/// is how far the constraint is violated (dual-agent eq. 17: Gamma - Qbar; constrained SAC: the
/// scaled Q_c minus the cost limit). It grows while the constraint is violated and shrinks, never
/// below zero, once it holds. Starting at 0, a dual-agent safe agent first imitates the baseline and
/// is corrected progressively.
/// </summary>
public sealed class ProjectedMultiplier(float learningRate, float initial = 0f)
{
    public float Value { get; private set; } = Math.Max(0f, initial);

    public void Ascend(float excess) => Value = Math.Max(0f, Value + learningRate * excess);
}
