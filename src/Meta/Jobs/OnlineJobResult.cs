using OfflineSafety.Meta.Online;

namespace OfflineSafety.Meta.Jobs;

/// <summary>A finished online job: the run, its optional evaluation, and the dataset version its transitions became (null when not recorded).</summary>
public sealed record OnlineJobResult(string RunId, string Environment, string Variant, OnlineRunResult Run, EvaluationResult? Evaluation,
    string? RecordedVersion)
{
    public int RecoverySteps => Run.Episodes.Sum(e => e.RecoverySteps);
}
