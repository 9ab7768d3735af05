namespace OfflineSafety.Envs.Navigation;

/// <summary>
/// An axis-aligned obstacle. Boxes are closed: a point on an edge is inside, matching the
/// original environments' inclusive comparisons, so touching a wall counts as a violation.
/// </summary>
public readonly record struct ObstacleBox(float XMin, float XMax, float YMin, float YMax)
{
    public bool Contains(float x, float y) => x >= XMin && x <= XMax && y >= YMin && y <= YMax;

    public override string ToString() => $"[{XMin}, {XMax}] x [{YMin}, {YMax}]";
}
