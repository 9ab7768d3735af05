using OfflineSafety.Meta.Registry;

namespace OfflineSafety.Meta.Plans;

public enum RunState { Queued, Running, Succeeded, Failed, Skipped, Cancelled }

/// <summary>Why a run started.</summary>
public enum RunTrigger { Manual, Cron, NewData }

/// <summary>Where a running job is: written by its worker every few seconds.</summary>
public sealed record RunProgress(long Step, long TotalSteps, double Loss, double? EtaSeconds);

/// <summary>
/// One run of a plan, as `runs show` and GET /v1/runs report it. <see cref="Id"/> is "PLAN/STAMP",
/// sortable by start time within a plan.
/// </summary>
public sealed record TrainingRun
{
    public required string Id { get; init; }
    public required string Plan { get; init; }
    public required RunState State { get; init; }
    public required RunTrigger Trigger { get; init; }
    public required DateTimeOffset QueuedUtc { get; init; }

    /// <summary>Train even when the dataset has no version newer than the model's (`plans run --force`).</summary>
    public bool Force { get; init; }
    public DateTimeOffset? StartedUtc { get; init; }
    public DateTimeOffset? EndedUtc { get; init; }

    /// <summary>The worker holding the plan's lease while the run is running.</summary>
    public string? Worker { get; init; }

    /// <summary>The dataset version the run read.</summary>
    public DatasetLineage? Dataset { get; init; }

    /// <summary>The model version it published (NAME@V), or the candidate it kept.</summary>
    public string? PublishedModel { get; init; }
    public bool Candidate { get; init; }

    /// <summary>Why it was skipped or failed, or why a model was kept as a candidate.</summary>
    public string? Reason { get; init; }
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
    public RunProgress? Progress { get; init; }
    public IReadOnlyList<string> LogTail { get; init; } = [];

    public bool IsFinished => State is RunState.Succeeded or RunState.Failed or RunState.Skipped or RunState.Cancelled;
}
