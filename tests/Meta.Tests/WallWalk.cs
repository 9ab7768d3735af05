using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests;

/// <summary>
/// A one-dimensional synthetic log for tests: x' = x + gain a with a ~ U(-1, 1); stepping past
/// x = 1 is a violation that ends the episode. Each variant has its own gain (its "dynamics").
/// </summary>
internal static class WallWalk
{
    public static TransitionBatch Generate(IReadOnlyList<(string Variant, float Gain)> variants, int episodesPerVariant, ulong seed, int steps = 8)
    {
        var random = new Xoshiro256StarStar(seed);
        var batch = new TransitionBatch(1, 1);
        long episode = 0;
        foreach (var (variant, gain) in variants)
            for (int e = 0; e < episodesPerVariant; e++, episode++)
            {
                float x = random.Uniform(-1f, 0.9f);
                for (int s = 0; s < steps; s++)
                {
                    float a = random.Uniform(-1f, 1f);
                    float next = x + gain * a;
                    bool violation = next > 1f;
                    batch.Add(episode, s, variant, "test", [x], [a], [next], -MathF.Abs(x), violation ? 1 : 0, violation, violation, !violation && s == steps - 1);
                    if (violation) break;
                    x = Math.Clamp(next, -1.5f, 1f);
                }
            }
        return batch;
    }
}
