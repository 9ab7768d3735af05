using OfflineSafety.Errors;
using OfflineSafety.Meta.Adaptation;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Meta.Tests.Registry;

/// <summary>
/// The registry on every backend: a local directory and a container in a real Azurite (the
/// derived classes at the end are all that differs, as in Storage.Tests' ObjectStoreContract).
/// </summary>
public abstract class ModelRegistryTests
{
    /// <summary>An empty store, fresh for each test.</summary>
    protected abstract IObjectStore Store { get; }

    private static (SafetyCritic Critic, CriticTrainingSettings Config) Trained()
    {
        var config = new CriticTrainingSettings { Steps = 5, BatchSize = 16, Architecture = new([8, 8], 2), Seed = 7 };
        var data = WallWalk.Generate([("v", 0.5f)], 20, seed: 5);
        return (new SingleDatasetTrainer(config).Train(TaskRows.Select(data, null)).Critic, config);
    }

    [Fact]
    public async Task Lineage_config_and_weights_round_trip_and_versions_are_immutable()
    {
        var registry = new ModelRegistry(Store);
        var (critic, config) = Trained();
        var lineage = new ModelLineage(new DatasetLineage("nav1-suite", 3, "table-abc", ["b1=0.7,b2=1.2"]), null, CodeVersion.Current);
        var card = ModelCard.For("nav1-rrl", "single", critic, 0.8f, 0.3f, config.Seed, config,
            new Dictionary<string, double> { ["train_loss"] = 0.01 }, lineage);

        var v1 = await registry.PublishAsync(card, critic, null);
        var v1Bytes = await registry.Objects.ReadAsync(ModelRegistry.CardKey("nav1-rrl", 1));

        // Adapt and publish the adapted critic as its own model that names its base.
        var adapted = new CriticAdaptation(new AdaptationSettings { Steps = 3, BatchSize = 8, RecoveryHidden = [8, 8] })
            .Adapt(critic, 0.8f, TaskRows.Select(WallWalk.Generate([("t", 0.9f)], 5, seed: 6), null));
        var adaptedCard = ModelCard.For("nav1-rrl", "adapted", adapted.Critic, 0.8f, 0.3f, 1, new AdaptationSettings(),
            adapted.Metrics, lineage with { BaseModel = v1.Reference, Dataset = new DatasetLineage("nav1-test", 1, "table-def", ["t"]) }, [8, 8]);
        var v2 = await registry.PublishAsync(adaptedCard, adapted.Critic, adapted.Recovery);

        Assert.Equal(1, v1.Version);
        Assert.Equal(2, v2.Version);
        Assert.Equal(v1Bytes, await registry.Objects.ReadAsync(ModelRegistry.CardKey("nav1-rrl", 1))); // untouched by v2

        var latest = await registry.LoadAsync(ModelReference.Parse("nav1-rrl"));
        Assert.Equal(2, latest.Card.Version);
        Assert.Equal("nav1-rrl@1", latest.Card.Lineage.BaseModel);
        Assert.Equal("nav1-test", latest.Card.Lineage.Dataset.Name);
        Assert.NotNull(latest.Recovery);
        Assert.Equal(adapted.Recovery!.Parameters.Data.ToArray(), latest.Recovery!.Parameters.Data.ToArray());

        var first = await registry.LoadAsync(ModelReference.Parse("nav1-rrl@1"));
        Assert.Equal("nav1-suite", first.Card.Lineage.Dataset.Name);
        Assert.Equal(3, first.Card.Lineage.Dataset.Version);
        Assert.Equal("table-abc", first.Card.Lineage.Dataset.TableId);
        Assert.Equal(["b1=0.7,b2=1.2"], first.Card.Lineage.Dataset.Variants);
        Assert.Equal(CodeVersion.Current, first.Card.Lineage.CodeVersion);
        Assert.Equal(7, first.Card.Seed);
        Assert.Equal(0.3f, first.Card.EpsRisk);
        Assert.Equal(5, first.Card.TrainingConfig.GetProperty("steps").GetInt32());
        Assert.Equal(critic.Normalization.ObsMean, first.Card.Normalization!.ObsMean);
        Assert.Equal(critic.Architecture.Hidden, first.Card.Architecture!.Hidden);
        Assert.Null(first.Recovery);
        Assert.Equal(critic.Parameters.Data.ToArray(), first.Critic.Parameters.Data.ToArray());

        // The loaded critic scores raw inputs exactly as the original.
        float[] obs = [0.7f, -0.2f], act = [0.5f, -1f];
        var expected = new float[2];
        var actual = new float[2];
        critic.Score(obs, act, 2, expected);
        first.Critic.Score(obs, act, 2, actual);
        Assert.Equal(expected, actual);

        Assert.Equal(["nav1-rrl"], await registry.ListNamesAsync());
        Assert.Equal([1, 2], (await registry.ListVersionsAsync("nav1-rrl")).Select(c => c.Version));
    }

    [Fact]
    public async Task A_version_whose_card_is_missing_is_invisible_and_skipped()
    {
        var store = Store;
        // An interrupted publish left weights for version 1 without its card.
        await store.WriteAsync(ModelRegistry.WeightsKey("m", 1), new byte[] { 1, 2, 3 });
        var registry = new ModelRegistry(store);
        await Assert.ThrowsAsync<NotFoundException>(() => registry.ResolveAsync(ModelReference.Parse("m")));

        var (critic, config) = Trained();
        var lineage = new ModelLineage(new DatasetLineage("d", 1, null, []), null, "test");
        var stored = await registry.PublishAsync(ModelCard.For("m", "single", critic, 0.8f, 0.1f, 0, config, new Dictionary<string, double>(), lineage), critic, null);
        Assert.Equal(2, stored.Version);
    }

    [Fact]
    public async Task Racing_publishes_of_one_name_each_get_their_own_version()
    {
        // Each publish claims a version with create-if-absent; losers take the next number.
        var registry = new ModelRegistry(Store);
        var (critic, config) = Trained();
        var lineage = new ModelLineage(new DatasetLineage("d", 1, null, []), null, "test");
        var published = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => registry.PublishAsync(
            ModelCard.For("raced", "single", critic, 0.8f, 0.1f, i, config, new Dictionary<string, double>(), lineage), critic, null))));
        Assert.Equal([1, 2, 3, 4], published.Select(c => c.Version).Order());
        var stored = await registry.ListVersionsAsync("raced");
        Assert.Equal([1, 2, 3, 4], stored.Select(c => c.Version));
        Assert.Equal(published.Select(c => c.Seed).Order(), stored.Select(c => c.Seed).Order());
    }

    [Theory]
    [InlineData("crit@0")]
    [InlineData("crit@x")]
    [InlineData("bad/name")]
    public void Bad_references_are_rejected(string text) => Assert.Throws<BadInputException>(() => ModelReference.Parse(text));
}

public sealed class LocalModelRegistryTests : ModelRegistryTests, IDisposable
{
    private readonly TempDirectory _dir = new();

    public LocalModelRegistryTests() => Store = new LocalObjectStore(_dir.Path, flushToDisk: false);

    protected override IObjectStore Store { get; }

    public void Dispose() => _dir.Dispose();
}

[Collection(AzuriteCollection.Name)]
public sealed class AzureModelRegistryTests(AzuriteFixture azurite) : ModelRegistryTests
{
    protected override IObjectStore Store { get; } = azurite.NewStore();
}
