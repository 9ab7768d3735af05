using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Registry;

namespace OfflineSafety.Meta.Jobs;

/// <summary>A freshly trained critic and its card (version 0 until published).</summary>
public sealed record UnpublishedCritic(ModelCard Card, SafetyCritic Critic, string Algorithm, DatasetLineage Dataset, float FinalLoss, double Seconds);
