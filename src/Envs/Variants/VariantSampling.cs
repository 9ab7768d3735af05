using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Variants;

/// <summary>Draws the training variants of a suite and resolves the test variant argument.</summary>
public static class VariantSampling
{
    /// <summary>N training variants from the seed's training-variant stream, in draw order.</summary>
    public static IReadOnlyList<DynamicsVariant> TrainingVariants(IVariantFamily family, int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Xoshiro256StarStar(Xoshiro256StarStar.DeriveSeed(seed, SeedStreams.TrainingVariants, 0));
        return family.TrainingVariants(count, random);
    }

    /// <summary>'auto' (or empty) picks the paper's held-out variant; anything else is parsed as an id.</summary>
    public static DynamicsVariant TestVariant(IVariantFamily family, string? spec) =>
        string.IsNullOrWhiteSpace(spec) || spec.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase)
            ? family.AutoTestVariant
            : family.Parse(spec);
}
