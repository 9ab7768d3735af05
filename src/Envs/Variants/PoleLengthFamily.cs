using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Variants;

/// <summary>Cart-pole: L ~ U(0.4, 0.8) for training, L = 1.0 held out (MESA section 7).</summary>
public sealed class PoleLengthFamily : IVariantFamily
{
    public const double Low = 0.4, High = 0.8, Test = 1.0;

    public IReadOnlyList<string> ParameterNames { get; } = ["L"];
    public string TrainingDistribution => "L ~ U(0.4, 0.8)";
    public string TestVariantRule => "L = 1.0 (outside the training range, as in the paper)";

    public DynamicsVariant SampleTraining(Xoshiro256StarStar random) => new PoleLengthVariant(random.UniformDouble(Low, High));

    public DynamicsVariant AutoTestVariant { get; } = new PoleLengthVariant(Test);

    public DynamicsVariant Nominal { get; } = new PoleLengthVariant((Low + High) / 2);

    public DynamicsVariant Parse(string id) => PoleLengthVariant.Parse(id);
}
