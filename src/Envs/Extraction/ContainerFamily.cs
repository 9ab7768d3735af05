using OfflineSafety.Envs.Variants;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Extraction;

/// <summary>
/// The extraction task family (SAFER section 5.1): containers of random size and position. Training
/// tasks draw cx ~ U(-0.5, 0.5), w ~ U(0.3, 0.8), h ~ U(0.4, 1.0). The six held-out tasks are the
/// paper's "more complex" evaluation tasks: narrow and deep containers (w ~ U(0.3, 0.42),
/// h ~ U(0.75, 1.0)), drawn once from a fixed stream so every run evaluates the same six.
/// </summary>
public sealed class ContainerFamily : IVariantFamily
{
    public const double CentreLow = -0.5, CentreHigh = 0.5, WidthLow = 0.3, WidthHigh = 0.8, HeightLow = 0.4, HeightHigh = 1.0;
    public const double HeldOutWidthHigh = 0.42, HeldOutHeightLow = 0.75;

    /// <summary>The paper trains on 40 tasks and evaluates on 6.</summary>
    public const int TrainingTasks = 40, HeldOutCount = 6;

    // A fixed stream, not a suite seed: the held-out tasks are part of the benchmark's definition.
    private const ulong HeldOutSeed = 0x5AFE_0E6A_7AC7_1011UL;

    public ContainerFamily()
    {
        var random = new Xoshiro256StarStar(HeldOutSeed);
        HeldOutTasks = Enumerable.Range(0, HeldOutCount).Select(_ => new ContainerVariant(
            random.UniformDouble(CentreLow, CentreHigh),
            random.UniformDouble(WidthLow, HeldOutWidthHigh),
            random.UniformDouble(HeldOutHeightLow, HeightHigh))).ToArray();
    }

    /// <summary>The six evaluation tasks, in order (task 1 first).</summary>
    public IReadOnlyList<ContainerVariant> HeldOutTasks { get; }

    public IReadOnlyList<string> ParameterNames { get; } = ["cx", "w", "h"];
    public string TrainingDistribution => "cx ~ U(-0.5, 0.5), w ~ U(0.3, 0.8), h ~ U(0.4, 1.0) independently";
    public string TestVariantRule => "held-out task 1 of 6 (narrow, deep: w ~ U(0.3, 0.42), h ~ U(0.75, 1.0), drawn once from a fixed stream)";

    public DynamicsVariant SampleTraining(Xoshiro256StarStar random) => new ContainerVariant(
        random.UniformDouble(CentreLow, CentreHigh), random.UniformDouble(WidthLow, WidthHigh), random.UniformDouble(HeightLow, HeightHigh));

    public DynamicsVariant AutoTestVariant => HeldOutTasks[0];

    public DynamicsVariant Nominal { get; } = new ContainerVariant(0, (WidthLow + WidthHigh) / 2, (HeightLow + HeightHigh) / 2);

    public DynamicsVariant Parse(string id) => ContainerVariant.Parse(id);
}
