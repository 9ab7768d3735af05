using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.DualAgent;

/// <summary>
/// The dual-agent paper's baseline pi_B: it maximises reward and ignores the constraint. Either it
/// learns (TD3, from the shared buffer) or it is fixed (a stored network, a scripted controller).
/// Actions are in squashed units u in [-1, 1], deterministic (exploration noise is the caller's).
/// </summary>
public interface IBaselinePolicy
{
    string Name { get; }

    /// <summary>Whether <see cref="Learn"/> may be called; false for fixed baselines.</summary>
    bool Learnable { get; }

    /// <summary>Optimiser steps taken so far (0 for a fixed baseline, always).</summary>
    long Updates { get; }

    /// <summary>pi_B(s) for one raw observation.</summary>
    void Act(ReadOnlySpan<float> rawObs, Span<float> squashed);

    /// <summary>pi_B(s) for every row of <paramref name="batch"/> (normalised in the batch, raw in <paramref name="buffer"/> at batch.Rows).</summary>
    void Act(SacBatch batch, ReplayBuffer buffer, Span<float> squashed);

    /// <summary>One reward-maximising update on a batch of the shared buffer.</summary>
    void Learn(SacBatch batch, Xoshiro256StarStar random);
}
