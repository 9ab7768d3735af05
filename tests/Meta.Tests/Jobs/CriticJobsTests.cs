using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Training;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Tests.Jobs;

/// <summary>The train and adapt use cases the CLI and the service share, on a temp store.</summary>
public sealed class CriticJobsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offsafe-jobs-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private async Task<LocalObjectStore> StoreAsync()
    {
        var objects = new LocalObjectStore(_root);
        var store = new DatasetStore(objects);
        await store.CreateAsync("walk", new DatasetMetadata("navigation2", 1, 1) { ActionLow = [-1f], ActionHigh = [1f] });
        await store.AppendAsync("walk", WallWalk.Generate([("g1", 0.3f), ("g2", 0.6f), ("test", 0.9f)], 30, 3));
        return objects;
    }

    [Fact]
    public async Task Trains_and_adapts_with_the_environment_defaults_and_lineage()
    {
        var objects = await StoreAsync();
        var steps = new List<int>();
        var trained = await new MetaTrainingJob(objects).RunAsync(new MetaTrainingRequest
        {
            Dataset = "walk", Algorithm = "multitask", Model = "walk-mt", ExcludeVariants = ["test"],
            Steps = 3, BatchSize = 8, Architecture = "8,8",
        }, (_, train) => train(p => steps.Add(p.Step)));

        Assert.Equal("walk-mt@1", trained.Card.Reference);
        Assert.Equal(new[] { "g1", "g2" }, trained.Dataset.Variants);
        // navigation2's row of the domain table.
        Assert.Equal((0.65f, 0.1f), (trained.Card.GammaRisk, trained.Card.EpsRisk));
        Assert.Equal(new[] { 1, 2, 3 }, steps);

        var adapted = await new AdaptationJob(objects).RunAsync(new AdaptationRequest
        {
            BaseModel = "walk-mt", Dataset = "walk", Variant = "test", Model = "walk-mt-test", Steps = 2, TrainRecoveryPolicy = false,
        });
        Assert.Equal("walk-mt-test@1", adapted.Card.Reference);
        Assert.Equal("walk-mt@1", adapted.Card.Lineage.BaseModel);
        var expected = AdaptationSettings.For("navigation2");
        Assert.Equal((2, expected.BatchSize, expected.LearningRate, false),
            (adapted.Config.Steps, adapted.Config.BatchSize, adapted.Config.LearningRate, adapted.Config.TrainRecoveryPolicy));
    }

    [Fact]
    public async Task Errors_are_user_errors()
    {
        var objects = await StoreAsync();
        var job = new MetaTrainingJob(objects);
        await Assert.ThrowsAsync<NotFoundException>(() => job.RunAsync(new MetaTrainingRequest { Dataset = "walk", Algorithm = "single", Model = "m", Variants = ["nope"] }));
        await Assert.ThrowsAsync<BadInputException>(() => job.RunAsync(new MetaTrainingRequest { Dataset = "walk", Algorithm = "sgd", Model = "m" }));
    }
}
