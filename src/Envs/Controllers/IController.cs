namespace OfflineSafety.Envs.Controllers;

/// <summary>
/// A scripted, non-learning controller in environment units: the kind of existing controller the
/// dual-agent paper corrects for safety. Deterministic; it knows the task, not the constraint.
/// </summary>
public interface IController
{
    string Name { get; }

    void Act(ReadOnlySpan<float> observation, Span<float> action);
}
