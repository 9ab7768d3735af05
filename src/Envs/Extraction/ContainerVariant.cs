using OfflineSafety.Envs.Variants;
using OfflineSafety.Errors;

namespace OfflineSafety.Envs.Extraction;

/// <summary>
/// One extraction task: an open-topped container whose inner walls stand at x = cx -+ w/2 from the
/// floor (y = 0) up to the rim at y = h. The object rests inside on the centre line.
/// </summary>
public sealed record ContainerVariant : DynamicsVariant
{
    public const float MaxCentre = 1.5f, MaxWidth = 2f, MaxHeight = 1.5f;

    public ContainerVariant(double centre, double width, double height)
    {
        double gripper = 2 * ExtractionParameters.Default.GripperRadius;
        if (!double.IsFinite(centre) || Math.Abs(centre) > MaxCentre)
            throw new BadInputException($"container centre must lie in [-1.5, 1.5] (cx={centre})");
        if (!double.IsFinite(width) || !(width > gripper) || width > MaxWidth)
            throw new BadInputException($"container width must exceed the gripper's {gripper} and be at most 2 (w={width})");
        if (!double.IsFinite(height) || !(height > 0) || height > MaxHeight)
            throw new BadInputException($"container height must lie in (0, 1.5] (h={height})");
        Centre = Quantize(centre);
        Width = Quantize(width);
        Height = Quantize(height);
    }

    public float Centre { get; }
    public float Width { get; }
    public float Height { get; }
    public float LeftWall => Centre - Width / 2;
    public float RightWall => Centre + Width / 2;

    public override string Id => $"cx={Format(Centre)},w={Format(Width)},h={Format(Height)}";

    public override IReadOnlyDictionary<string, double> Parameters =>
        new Dictionary<string, double> { ["cx"] = Centre, ["w"] = Width, ["h"] = Height };

    public static ContainerVariant Parse(string id)
    {
        var values = VariantId.Parse(id, "cx", "w", "h");
        return new ContainerVariant(values[0], values[1], values[2]);
    }
}
