namespace OfflineSafety.Meta.Plans;

/// <summary>How often the scheduler looks at the store, and how its runs hold their plans.</summary>
public sealed record SchedulerSettings
{
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);
    public PlanRunnerSettings Runner { get; init; } = new();
}
