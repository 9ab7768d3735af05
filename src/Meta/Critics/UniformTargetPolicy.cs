using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Critics;

/// <summary>
/// Offline, before any task policy exists, a' is uniform over the logged action box
/// (algorithms.md section 1), so the critic estimates the risk of acting at random. A distribution
/// over normalised a' for the risk target, not a rollout policy: Envs' UniformRandomPolicy acts in
/// an environment's own units and chooses how a rollout starts.
/// </summary>
public sealed class UniformTargetPolicy(Normalization normalization) : ITargetPolicy
{
    public void ChooseNextActions(CriticBatch batch, Xoshiro256StarStar random)
    {
        for (int i = 0; i < batch.Size; i++)
        {
            var action = batch.NextActionOf(i);
            for (int d = 0; d < action.Length; d++)
            {
                float low = normalization.ActionLow[d], high = normalization.ActionHigh[d];
                float raw = low + (high - low) * random.NextFloat();
                action[d] = (raw - normalization.ActionMean[d]) / normalization.ActionStd[d];
            }
        }
    }
}
