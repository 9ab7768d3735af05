namespace OfflineSafety.Meta.Online;

/// <summary>
/// An extra term of the actor loss that depends on the actor's reparameterised actions, e.g.
/// lambda E Q_risk(s, pi(s)). It sees the batch's squashed actions and writes d(term)/du per row
/// (already divided by the batch size); the actor's gradient then flows through u.
/// </summary>
public interface IActorPenalty
{
    void Gradient(SacBatch batch, ReadOnlySpan<float> squashedActions, Span<float> gradient);
}
