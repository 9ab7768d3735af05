using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Training;

namespace OfflineSafety.Meta.Jobs;

/// <summary>A published adapted critic: its card, the base it names, the config it ran and its final loss.</summary>
public sealed record AdaptationResult(ModelCard Card, ModelCard BaseCard, DatasetLineage Dataset, AdaptationSettings Config, float FinalLoss);
