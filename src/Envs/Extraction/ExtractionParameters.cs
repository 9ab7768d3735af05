namespace OfflineSafety.Envs.Extraction;

/// <summary>
/// The fixed physics of the extraction family (every task shares them; tasks differ only in their
/// container, <see cref="ContainerVariant"/>). Lengths are in metres of a vertical plane: x across,
/// y up, the container's floor at y = 0.
/// </summary>
/// <param name="GripperRadius">The gripper is a disc of this radius; it touches a wall when a wall segment comes closer than this.</param>
/// <param name="StepLength">Displacement per step of a full-scale action: p' = p + StepLength clip(a, -1, 1) + noise.</param>
/// <param name="NoiseStd">Actuation noise per axis and step.</param>
/// <param name="ObjectHeight">Where the object rests above the container floor, at the container's centre line.</param>
/// <param name="GraspRadius">An empty gripper closer than this to the object picks it up.</param>
/// <param name="LiftClearance">Success: the object is held this far above the rim.</param>
/// <param name="StartHeight">The gripper starts this far above the rim (uniform range).</param>
/// <param name="StartOffset">... and this far to either side of the container's centre line (uniform range, side by coin).</param>
/// <param name="TableHalfWidth">The gripper cannot leave |x| &lt;= this, y in [0, CeilingHeight].</param>
public sealed record ExtractionParameters(
    float GripperRadius,
    float StepLength,
    float NoiseStd,
    float ObjectHeight,
    float GraspRadius,
    float LiftClearance,
    (float Low, float High) StartHeight,
    (float Low, float High) StartOffset,
    float TableHalfWidth,
    float CeilingHeight,
    int Horizon)
{
    public static ExtractionParameters Default { get; } = new(
        GripperRadius: 0.06f,
        StepLength: 0.1f,
        NoiseStd: 0.005f,
        ObjectHeight: 0.12f,
        GraspRadius: 0.08f,
        LiftClearance: 0.1f,
        StartHeight: (0.2f, 0.45f),
        StartOffset: (0f, 0.7f),
        TableHalfWidth: 2f,
        CeilingHeight: 2.5f,
        Horizon: 60);
}
