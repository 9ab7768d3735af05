namespace OfflineSafety.Meta.Jobs;

/// <summary>
/// What `adapt` (and the service's adapt endpoint) asks for. Null settings take the environment's
/// <see cref="Training.AdaptationSettings.For"/> values.
/// </summary>
public sealed record AdaptationRequest
{
    /// <summary>NAME[@V] of the base critic (not changed).</summary>
    public required string BaseModel { get; init; }

    /// <summary>NAME[@REF] of the dataset holding the test-variant data.</summary>
    public required string Dataset { get; init; }
    public required string Variant { get; init; }

    /// <summary>Model name to publish the adapted critic as (its next version).</summary>
    public required string Model { get; init; }

    /// <summary>Adaptation steps M.</summary>
    public int? Steps { get; init; }
    public float? LearningRate { get; init; }
    public int? BatchSize { get; init; }
    public int? Seed { get; init; }
    public bool TrainRecoveryPolicy { get; init; } = true;

    /// <summary>Recorded on the adapted card (<see cref="Registry.ModelCard.AdaptationKey"/>) so an identical request finds it.</summary>
    public string? AdaptationKey { get; init; }
}
