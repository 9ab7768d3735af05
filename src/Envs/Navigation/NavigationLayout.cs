namespace OfflineSafety.Envs.Navigation;

/// <summary>The fixed geometry and task of a 2-D point navigation domain (algorithms.md section 4).</summary>
public sealed record NavigationLayout(
    string Id,
    IReadOnlyList<ObstacleBox> Obstacles,
    float StartX, float StartY, float StartStd,
    float GoalX, float GoalY,
    float SuccessRadius,
    float NoiseStd,
    int Horizon)
{
    /// <summary>Navigation 1: a corridor along y in (-5, 5) with a back wall at x &lt;= -80.</summary>
    public static NavigationLayout Navigation1 { get; } = new(
        "navigation1",
        [new ObstacleBox(-100, 150, 5, 10), new ObstacleBox(-100, -80, -10, 10), new ObstacleBox(-100, 150, -10, -5)],
        StartX: -50, StartY: 0, StartStd: 1,
        GoalX: 0, GoalY: 0,
        SuccessRadius: 4, NoiseStd: 0.05f, Horizon: 100);

    /// <summary>Navigation 2: one box between the start and the goal.</summary>
    public static NavigationLayout Navigation2 { get; } = new(
        "navigation2",
        [new ObstacleBox(-30, -20, -7.5f, 7.5f)],
        StartX: -50, StartY: 0, StartStd: 1,
        GoalX: 0, GoalY: 0,
        SuccessRadius: 4, NoiseStd: 0.05f, Horizon: 100);

    public bool InObstacle(float x, float y)
    {
        // An indexed loop: foreach over the interface would box an enumerator on every step.
        for (int i = 0; i < Obstacles.Count; i++)
            if (Obstacles[i].Contains(x, y)) return true;
        return false;
    }
}
