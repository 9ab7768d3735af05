using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Variants;

/// <summary>
/// One environment's space of dynamics variants: how training variants are drawn, which variant is
/// held out for testing, and how an id reads back into parameters.
/// </summary>
public interface IVariantFamily
{
    /// <summary>Parameter names in id order, e.g. ["b1", "b2"].</summary>
    IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Human-readable training distribution, e.g. "b1, b2 ~ U(0.5, 1.5) independently".</summary>
    string TrainingDistribution { get; }

    /// <summary>Human-readable rule for the held-out test variant that 'auto' picks.</summary>
    string TestVariantRule { get; }

    DynamicsVariant SampleTraining(Xoshiro256StarStar random);

    /// <summary>
    /// A suite's <paramref name="count"/> training variants, in order. Continuous families draw each
    /// independently; a discrete family (one disabled joint per variant) lists its parts first so a
    /// suite of the paper's size has each exactly once.
    /// </summary>
    IReadOnlyList<DynamicsVariant> TrainingVariants(int count, Xoshiro256StarStar random)
    {
        var variants = new DynamicsVariant[count];
        for (int i = 0; i < count; i++) variants[i] = SampleTraining(random);
        return variants;
    }

    /// <summary>The paper's held-out test variant ('auto').</summary>
    DynamicsVariant AutoTestVariant { get; }

    /// <summary>
    /// The centre of the training distribution: the fixed dynamics of single-environment work
    /// (navigation: B = I, the Recovery RL paper's environments).
    /// </summary>
    DynamicsVariant Nominal { get; }

    DynamicsVariant Parse(string id);
}
