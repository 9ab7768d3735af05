using OfflineSafety.Testing;

namespace OfflineSafety.Meta.Tests;

/// <summary>One Azurite process shared by every Azure-backed test class in this project (each test takes its own container).</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
