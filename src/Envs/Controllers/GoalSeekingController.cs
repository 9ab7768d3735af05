using OfflineSafety.Envs.Navigation;

namespace OfflineSafety.Envs.Controllers;

/// <summary>Navigation's obvious controller: full speed straight at the goal, obstacles ignored.</summary>
public sealed class GoalSeekingController(NavigationLayout layout) : IController
{
    public string Name => "goal-seeking";

    public void Act(ReadOnlySpan<float> observation, Span<float> action)
    {
        action[0] = Math.Clamp(layout.GoalX - observation[0], -1f, 1f);
        action[1] = Math.Clamp(layout.GoalY - observation[1], -1f, 1f);
    }
}
