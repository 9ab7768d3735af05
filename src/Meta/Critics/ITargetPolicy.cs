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
