using OfflineSafety.Meta.Registry;

namespace OfflineSafety.Meta.Jobs;

/// <summary>A published critic: its card (reference, lineage, config) and how the training ended.</summary>
public sealed record MetaTrainingResult(ModelCard Card, string Algorithm, DatasetLineage Dataset, float FinalLoss, double Seconds);
