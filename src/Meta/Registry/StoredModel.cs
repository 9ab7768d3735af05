using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Recovery;

namespace OfflineSafety.Meta.Registry;

/// <summary>A model as loaded from the registry.</summary>
public sealed record StoredModel(ModelCard Card, SafetyCritic Critic, RecoveryPolicy? Recovery);
