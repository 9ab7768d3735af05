using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Registry;

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

    /// <summary>
    /// Rejects a request no trainer could run, naming the option at fault, before any data is read:
    /// `meta-train` and `plans add` both call it, so a stored plan cannot hold a setting that fails later.
    /// </summary>
    public void Validate()
    {
        if (!MetaTrainingJob.Algorithms.Contains(Algorithm, StringComparer.Ordinal))
            throw new BadInputException($"--algo: unknown algorithm '{Algorithm}' (known: {string.Join(", ", MetaTrainingJob.Algorithms)})");
        ModelReference.ValidateName(Model);
        Positive("--steps", Steps);
        Positive("--batch-size", BatchSize);
        Positive("--tasks-per-iteration", TasksPerIteration);
        Positive("--inner-steps", InnerSteps);
        PositiveFinite("--lr", LearningRate);
        PositiveFinite("--inner-lr", InnerLearningRate);
        if (GammaRisk is { } g && !(g > 0 && g <= 1)) throw new BadInputException($"--gamma-risk: {g} is outside (0, 1]");
        if (EpsRisk is { } e && !(e > 0 && e < 1)) throw new BadInputException($"--eps-risk: {e} is outside (0, 1)");
        if (TauSafe is { } t && !(t > 0 && t <= 1)) throw new BadInputException($"--tau-safe: {t} is outside (0, 1]");
        if (PosFraction is { } f && !(f <= 1) ) throw new BadInputException($"--pos-fraction: {f} is above 1 (negative samples the logged ratio)");
        if (Architecture is { } a) CriticArchitecture.Parse(a, Heads);
        else if (Heads is { } h && h is not (1 or 2)) throw new BadInputException($"--heads: a safety critic has one or two heads, got {h}");
    }

    private static void Positive(string option, int? value)
    {
        if (value is { } v && v < 1) throw new BadInputException($"{option}: must be at least 1, got {v}");
    }

    private static void PositiveFinite(string option, float? value)
    {
        if (value is { } v && !(float.IsFinite(v) && v > 0)) throw new BadInputException($"{option}: must be a positive finite number, got {v}");
    }
}
