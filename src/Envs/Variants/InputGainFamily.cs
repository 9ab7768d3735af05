using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Variants;

/// <summary>Navigation: b1, b2 ~ U(0.5, 1.5) independently per variant; b1 = b2 = 2 held out.</summary>
public sealed class InputGainFamily : IVariantFamily
{
    public const double Low = 0.5, High = 1.5;

    // The papers never name the navigation test gains. MESA's one named test variant (Cart-pole,
    // L = 1.0 against training U(0.4, 0.8)) lies half the training range's width above its top;
    // the same rule gives b = 2.0, and with it the suites' own collection rule reproduces both
    // navigation test-set counts (docs/envs.md, "Statistics"). No gain inside U(0.5, 1.5) gives
    // Navigation 2's 36 violations in 200 rows on average with stopping rollouts (at most about 31).
    public const double Test = High + (High - Low) / 2;

    public IReadOnlyList<string> ParameterNames { get; } = ["b1", "b2"];
    public string TrainingDistribution => "b1, b2 ~ U(0.5, 1.5) independently";
    public string TestVariantRule => "b1 = b2 = 2.0 (outside the training range by half its width, as Cart-pole's L = 1.0 is)";

    public DynamicsVariant SampleTraining(Xoshiro256StarStar random) =>
        new InputGainVariant(random.UniformDouble(Low, High), random.UniformDouble(Low, High));

    public DynamicsVariant AutoTestVariant { get; } = new InputGainVariant(Test, Test);

    public DynamicsVariant Nominal { get; } = new InputGainVariant((Low + High) / 2, (Low + High) / 2);

    public DynamicsVariant Parse(string id) => InputGainVariant.Parse(id);
}
