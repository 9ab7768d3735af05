namespace OfflineSafety.Meta.Plans;

/// <summary>
/// How a worker holds a plan while it trains: the lease lasts <see cref="LeaseDuration"/> and is
/// renewed every <see cref="Heartbeat"/>, which is also how often progress is saved and a cancel
/// request is noticed. A dead worker's run is declared failed one lease duration after its last
/// heartbeat.
/// </summary>
public sealed record PlanRunnerSettings
{
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(2);
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(15);
    public int LogTailLines { get; init; } = 30;

    /// <summary>Suffix of the model name a gated-out model is published under.</summary>
    public const string CandidateSuffix = "-candidate";
}
