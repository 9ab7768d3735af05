using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Online;

namespace OfflineSafety.Meta.Jobs;

/// <summary>A finished online job: the run, its optional evaluation, and the dataset version its transitions became (null when not recorded).</summary>
public sealed record OnlineJobResult(string RunId, string Environment, string Variant, OnlineRunResult Run, EvaluationResult? Evaluation,
    string? RecordedVersion)
{
    /// <summary>NAME@V of the critic the run learned with, when it came from a critic source (null: pretrained in the job); for `safer`, the skill prior it acted through.</summary>
    public string? Critic { get; init; }

    /// <summary>The executed transitions (source = run id), when the request asked to keep them.</summary>
    public TransitionBatch? Transitions { get; init; }

    public int RecoverySteps => Run.Episodes.Sum(e => e.RecoverySteps);
}
