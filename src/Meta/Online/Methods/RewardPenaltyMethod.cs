namespace OfflineSafety.Meta.Online.Methods;

/// <summary>Reward penalty (RP): SAC on r - lambda c with a fixed lambda; it needs no critic.</summary>
public sealed class RewardPenaltyMethod(float lambda) : ISafetyMethod
{
    public float TaskReward(float reward, float cost) => reward - lambda * cost;

    public float Lambda => lambda;
}
