using OfflineSafety.Meta.Jobs;

namespace OfflineSafety.Meta.Plans;

/// <summary>
/// A named, stored training job: the exact <see cref="MetaTrainingRequest"/> `meta-train` builds
/// (so `offsafe meta-train` with the same options reproduces a run), what starts it, and the gate a
/// new model must pass before it becomes the model's next version.
/// </summary>
public sealed record TrainingPlan
{
    public required string Name { get; init; }

    /// <summary>The training job. Its dataset is a bare NAME: each run reads the newest version.</summary>
    public required MetaTrainingRequest Training { get; init; }
    public PlanTriggers Triggers { get; init; } = new();

    /// <summary>NAME[@REF] of held-out data; null: no evaluation and no promotion gate.</summary>
    public string? EvaluationDataset { get; init; }
    public PromotionGate Gate { get; init; } = new();
    public DateTimeOffset CreatedUtc { get; init; }
}

/// <summary>
/// What starts a plan besides `plans run`: a cron schedule (Quartz syntax, UTC) and/or a new
/// version of its dataset, at most once per <see cref="Debounce"/> so a burst of uploads trains once.
/// </summary>
public sealed record PlanTriggers
{
    public string? Cron { get; init; }
    public bool OnNewData { get; init; }
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// A new model is published under the plan's model name only when its held-out AUC is at most
/// <see cref="Margin"/> below, and its Brier score at most <see cref="Margin"/> above, the current
/// version's on the same evaluation data; otherwise it is kept as a candidate.
/// </summary>
public sealed record PromotionGate
{
    public double Margin { get; init; } = 0.01;

    public bool Passes(HeldOutScores candidate, HeldOutScores current) =>
        candidate.Auc >= current.Auc - Margin && candidate.Brier <= current.Brier + Margin;
}

/// <summary>A critic's scores on a plan's evaluation dataset.</summary>
public sealed record HeldOutScores(double Auc, double Brier);
