using OfflineSafety.Envs.Sampling;

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

    DynamicsVariant SampleTraining(ref Xoshiro256StarStar random);

    /// <summary>The paper's held-out test variant for a suite seed ('auto').</summary>
    DynamicsVariant AutoTestVariant(ulong seed);

    DynamicsVariant Parse(string id);
}

/// <summary>Navigation: b1, b2 ~ U(0.5, 1.5) independently per variant.</summary>
public sealed class InputGainFamily : IVariantFamily
{
    public const double Low = 0.5, High = 1.5;

    public IReadOnlyList<string> ParameterNames { get; } = ["b1", "b2"];
    public string TrainingDistribution => "b1, b2 ~ U(0.5, 1.5) independently";

    // The papers draw train and test gains from the same range and never name the test gains, so
    // the held-out variant is a fresh draw from that range on a stream no training variant uses.
    public string TestVariantRule => "a fresh draw of b1, b2 ~ U(0.5, 1.5) from the suite seed's test stream";

    public DynamicsVariant SampleTraining(ref Xoshiro256StarStar random) =>
        new InputGainVariant(random.Uniform(Low, High), random.Uniform(Low, High));

    public DynamicsVariant AutoTestVariant(ulong seed)
    {
        var random = new Xoshiro256StarStar(Xoshiro256StarStar.DeriveSeed(seed, SeedStreams.TestVariant, 0));
        return SampleTraining(ref random);
    }

    public DynamicsVariant Parse(string id) => InputGainVariant.Parse(id);
}

/// <summary>Cart-pole: L ~ U(0.4, 0.8) for training, L = 1.0 held out (MESA section 7).</summary>
public sealed class PoleLengthFamily : IVariantFamily
{
    public const double Low = 0.4, High = 0.8, Test = 1.0;

    public IReadOnlyList<string> ParameterNames { get; } = ["L"];
    public string TrainingDistribution => "L ~ U(0.4, 0.8)";
    public string TestVariantRule => "L = 1.0 (outside the training range, as in the paper)";

    public DynamicsVariant SampleTraining(ref Xoshiro256StarStar random) => new PoleLengthVariant(random.Uniform(Low, High));

    public DynamicsVariant AutoTestVariant(ulong seed) => new PoleLengthVariant(Test);

    public DynamicsVariant Parse(string id) => PoleLengthVariant.Parse(id);
}

/// <summary>Stream numbers for <see cref="Xoshiro256StarStar.DeriveSeed"/>; one per independent use of a suite seed.</summary>
public static class SeedStreams
{
    public const ulong TrainingVariants = 1;
    public const ulong TestVariant = 2;
    public const ulong TrainingData = 3;
    public const ulong TestData = 4;
}
