using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Meta.Tests.Registry;

/// <summary>
/// Step 8, finding 5 and deliverable 3: a damaged card no longer hides the registry, and `models
/// check` finds each fault; on a local directory and on Azurite (the derived classes at the end).
/// </summary>
public abstract class RegistryCheckTests
{
    /// <summary>An empty store, fresh for each test.</summary>
    protected abstract IObjectStore Store { get; }

    private static async Task PublishAsync(ModelRegistry registry, string name)
    {
        var config = new CriticTrainingSettings { Steps = 2, BatchSize = 8, Architecture = new([4], 1), Seed = 1 };
        var critic = new SingleDatasetTrainer(config).Train(TaskRows.Select(WallWalk.Generate([("v", 0.5f)], 5, seed: 2), null)).Critic;
        var lineage = new ModelLineage(new DatasetLineage("d", 1, null, ["v"]), null, CodeVersion.Current);
        await registry.PublishAsync(ModelCard.For(name, "single", critic, 0.8f, 0.1f, 1, config, new Dictionary<string, double>(), lineage), critic, null);
    }

    [Fact]
    public async Task A_corrupt_card_is_named_and_skipped_and_every_injected_fault_is_found()
    {
        var store = Store;
        var registry = new ModelRegistry(store);
        foreach (var name in new[] { "good", "bad-card", "no-weights", "cut-weights" }) await PublishAsync(registry, name);
        await store.WriteAsync(ModelRegistry.CardKey("bad-card", 1), "{\"Name\": \"bad-card\", "u8.ToArray());
        await store.DeleteAsync(ModelRegistry.WeightsKey("no-weights", 1));
        var weights = await store.ReadAsync(ModelRegistry.WeightsKey("cut-weights", 1));
        await store.WriteAsync(ModelRegistry.WeightsKey("cut-weights", 1), weights.AsMemory(0, weights.Length / 2));
        // A publish that died between its weights and its card: never visible, but a leftover.
        await store.WriteAsync(ModelRegistry.WeightsKey("good", 2), weights);

        var listing = await registry.ListAllAsync();
        Assert.Equal(["cut-weights@1", "good@1", "no-weights@1"], listing.Cards.Select(c => c.Reference).Order(StringComparer.Ordinal).ToArray());
        var bad = Assert.Single(listing.Unreadable);
        Assert.Equal("models/bad-card/1/model.json", bad.Key);
        Assert.Contains("models/bad-card/1/model.json: not a valid model card", bad.Reason);

        var findings = await new RegistryCheck(registry).RunAsync();
        Assert.Equal(["models/bad-card/1/model.json", "models/cut-weights/1/weights.safetensors", "models/good/2/weights.safetensors",
            "models/no-weights/1/weights.safetensors"], findings.Select(f => f.Key).ToArray());
        Assert.False(findings.Single(f => f.Key.StartsWith("models/good/", StringComparison.Ordinal)).Visible);
        Assert.Contains("no weights.safetensors", findings.Single(f => f.Key.StartsWith("models/no-weights/", StringComparison.Ordinal)).Problem);
    }
}

public sealed class LocalRegistryCheckTests : RegistryCheckTests, IDisposable
{
    private readonly TempDirectory _dir = new();

    public LocalRegistryCheckTests() => Store = new LocalObjectStore(_dir.Path, flushToDisk: false);

    protected override IObjectStore Store { get; }

    public void Dispose() => _dir.Dispose();
}

[Collection(AzuriteCollection.Name)]
public sealed class AzureRegistryCheckTests(AzuriteFixture azurite) : RegistryCheckTests
{
    protected override IObjectStore Store { get; } = azurite.NewStore();
}
