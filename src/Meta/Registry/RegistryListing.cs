namespace OfflineSafety.Meta.Registry;

/// <summary>A model.json that exists but cannot be read, with the reason (file and parser position).</summary>
public sealed record UnreadableCard(string Key, string Reason);

/// <summary>The registry's readable cards, oldest version first per name, and the damaged ones.</summary>
public sealed record RegistryListing(IReadOnlyList<ModelCard> Cards, IReadOnlyList<UnreadableCard> Unreadable);
