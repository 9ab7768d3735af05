using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online;

/// <summary>pi_rec as Recovery RL uses it online: it acts when the switch fires and learns once per environment step.</summary>
public interface IOnlineRecovery : IRecoveryActor
{
    /// <summary>One learning step after the safety-critic update, from that update's batch or from the critic buffer.</summary>
    void Learn(CriticBatch criticBatch, ReplayBuffer criticBuffer, Xoshiro256StarStar random);
}
