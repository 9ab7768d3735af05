namespace OfflineSafety.Meta.Jobs;

/// <summary>
/// What `meta-train` (and the service's train endpoint) asks for. Null settings take the trainer's
/// config default, or the environment's value from the domain table for gamma_risk and eps_risk.
/// </summary>
public sealed record MetaTrainingRequest
{
    /// <summary>NAME[@REF] of the training dataset.</summary>
    public required string Dataset { get; init; }

    /// <summary>mesa | multitask | single.</summary>
    public required string Algorithm { get; init; }

    /// <summary>Model name to publish as (its next version).</summary>
    public required string Model { get; init; }

    /// <summary>Variants to train on; null: all of the dataset's.</summary>
    public IReadOnlyList<string>? Variants { get; init; }
    public IReadOnlyList<string> ExcludeVariants { get; init; } = [];

    /// <summary>Training steps; meta-iterations for mesa.</summary>
    public int? Steps { get; init; }

    /// <summary>Adam learning rate; the outer rate alpha_2 for mesa.</summary>
    public float? LearningRate { get; init; }

    /// <summary>Batch size; inner and outer for mesa.</summary>
    public int? BatchSize { get; init; }
    public int? Seed { get; init; }

    /// <summary>2x256 | 3x100 | comma list of hidden widths.</summary>
    public string? Architecture { get; init; }
    public int? Heads { get; init; }
    public float? GammaRisk { get; init; }
    public float? EpsRisk { get; init; }
    public float? TauSafe { get; init; }

    /// <summary>Fraction of unsafe rows per batch; negative samples the logged ratio.</summary>
    public double? PosFraction { get; init; }
    public int? TasksPerIteration { get; init; }
    public int? InnerSteps { get; init; }
    public float? InnerLearningRate { get; init; }
    public bool FixedInnerLearningRate { get; init; }
    public bool FirstOrder { get; init; }
}
