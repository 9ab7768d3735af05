using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Critics;

/// <summary>
/// The policy pi whose future the critic measures: it chooses a' at s' inside the risk target,
/// writing the action columns of <see cref="CriticBatch.NextInput"/> (normalised units).
/// </summary>
public interface ITargetPolicy
{
    void ChooseNextActions(CriticBatch batch, Xoshiro256StarStar random);
}

/// <summary>
/// Offline, before any task policy exists, a' is uniform over the logged action box
/// (algorithms.md section 1), so the critic estimates the risk of acting at random.
/// </summary>
public sealed class UniformRandomPolicy(Normalization normalization) : ITargetPolicy
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
