namespace OfflineSafety.Meta.Online;

/// <summary>pi_rec(s): what Recovery RL executes when the proposed action is too risky.</summary>
public interface IRecoveryActor
{
    void Act(ReadOnlySpan<float> obs, Span<float> action);
}
