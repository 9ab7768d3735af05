namespace OfflineSafety.Meta.Critics;

/// <summary>
/// The policy pi whose future the critic measures: it chooses a' at s' inside the risk target.
/// Works on normalised observations and actions, writing one action per row.
/// </summary>
public interface ITargetPolicy
{
    void Act(ReadOnlySpan<float> normalizedObs, int rows, Span<float> normalizedActions, Random random);
}

/// <summary>
/// Offline, before any task policy exists, a' is uniform over the logged action box
/// (algorithms.md section 1), so the critic estimates the risk of acting at random.
/// </summary>
public sealed class UniformRandomPolicy(Normalization normalization) : ITargetPolicy
{
    public void Act(ReadOnlySpan<float> normalizedObs, int rows, Span<float> normalizedActions, Random random)
    {
        int ad = normalization.ActDim;
        for (int i = 0; i < rows; i++)
            for (int d = 0; d < ad; d++)
            {
                float low = normalization.ActionLow[d], high = normalization.ActionHigh[d];
                float raw = low + (high - low) * random.NextSingle();
                normalizedActions[i * ad + d] = (raw - normalization.ActionMean[d]) / normalization.ActionStd[d];
            }
    }
}
