using System.Globalization;
using OfflineSafety.Errors;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Variants;

/// <summary>
/// A locomotion body with one part (a joint of HalfCheetah, a leg of Ant) that has lost power: its
/// motor torque is scaled by <see cref="Power"/> (0 = the paper's disabled joint, "always providing
/// zero motor torque"; 0.5-0.95 = the thesis's partial failures). Id "joint=5,power=0.000".
/// </summary>
public sealed record DisabledPartVariant : DynamicsVariant
{
    public DisabledPartVariant(string part, int index, double power)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(part);
        if (index < 0) throw new BadInputException($"{part} must be a non-negative index, got {index}");
        if (!(power >= 0 && power <= 1)) throw new BadInputException($"power must be in [0, 1] ({part}={index}, power={power})");
        Part = part;
        Index = index;
        Power = Quantize(power);
    }

    /// <summary>What <see cref="Index"/> counts: "joint" or "leg".</summary>
    public string Part { get; }
    public int Index { get; }
    public float Power { get; }

    public override string Id => string.Create(CultureInfo.InvariantCulture, $"{Part}={Index},power={Format(Power)}");

    public override IReadOnlyDictionary<string, double> Parameters => new Dictionary<string, double> { [Part] = Index, ["power"] = Power };

    public static DisabledPartVariant Parse(string id, string part)
    {
        var values = VariantId.Parse(id, part, "power");
        if (values[0] != Math.Floor(values[0])) throw new BadInputException($"variant '{id}': {part} is a whole number");
        return new DisabledPartVariant(part, (int)values[0], values[1]);
    }
}

/// <summary>
/// The disabled-joint families (MESA section 7): each training variant disables one of
/// <see cref="TrainingParts"/>, the held-out variant disables <see cref="TestPart"/>.
/// </summary>
public sealed class DisabledPartFamily : IVariantFamily
{
    // Past the paper's one variant per training part, further variants weaken a training part
    // partially (power ~ U(0, 0.5)) so that every variant of a suite is distinct.
    private const double ExtraPowerHigh = 0.5;

    public DisabledPartFamily(string part, IReadOnlyList<int> trainingParts, int testPart, int partCount, string partNames)
    {
        Part = part;
        TrainingParts = trainingParts;
        TestPart = testPart;
        PartCount = partCount;
        PartNames = partNames;
        AutoTestVariant = new DisabledPartVariant(part, testPart, 0);
        Nominal = new DisabledPartVariant(part, trainingParts[0], 0);
    }

    public string Part { get; }
    public IReadOnlyList<int> TrainingParts { get; }
    public int TestPart { get; }
    public int PartCount { get; }

    /// <summary>What each index is, for listings.</summary>
    public string PartNames { get; }

    public IReadOnlyList<string> ParameterNames => [Part, "power"];

    public string TrainingDistribution =>
        $"{Part} {string.Join(", ", TrainingParts)} disabled (power 0), one per variant in that order ({PartNames}); beyond {TrainingParts.Count} variants, a training {Part} at power ~ U(0, {ExtraPowerHigh})";

    public string TestVariantRule => $"{Part} {TestPart} disabled (power 0), never disabled in training";

    public DynamicsVariant SampleTraining(Xoshiro256StarStar random) =>
        new DisabledPartVariant(Part, TrainingParts[random.NextInt(TrainingParts.Count)], random.UniformDouble(0, ExtraPowerHigh));

    public IReadOnlyList<DynamicsVariant> TrainingVariants(int count, Xoshiro256StarStar random)
    {
        var variants = new DynamicsVariant[count];
        for (int i = 0; i < count; i++)
            variants[i] = i < TrainingParts.Count ? new DisabledPartVariant(Part, TrainingParts[i], 0) : SampleTraining(random);
        return variants;
    }

    public DynamicsVariant AutoTestVariant { get; }

    public DynamicsVariant Nominal { get; }

    public DynamicsVariant Parse(string id)
    {
        var variant = DisabledPartVariant.Parse(id, Part);
        if (variant.Index >= PartCount) throw new BadInputException($"variant '{id}': {Part} must be 0..{PartCount - 1} ({PartNames})");
        return variant;
    }
}
