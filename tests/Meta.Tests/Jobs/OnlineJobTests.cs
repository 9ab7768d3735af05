using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Online;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Tests.Jobs;

public sealed class OnlineJobTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offsafe-online-job-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_run_is_recorded_as_a_dataset_version_of_its_executed_transitions()
    {
        var objects = new LocalObjectStore(_root);
        var request = new OnlineRunRequest("navigation1", OnlineAlgorithm.Unconstrained, 2)
        {
            Seed = 1,
            OfflineTransitions = 100,
            Hidden = [16, 16],
            BatchSize = 16,
            EvaluationEpisodes = 1,
        };
        var result = await new OnlineJob(objects).RunAsync(request);

        Assert.Equal(2, result.Run.Episodes.Count);
        Assert.Equal("online-navigation1@1", result.RecordedVersion);
        Assert.Equal(1, result.Evaluation!.Episodes);
        var rows = await new DatasetStore(objects).ReadAsync(DatasetReference.Parse("online-navigation1@1"));
        Assert.Equal(result.Run.Steps, rows.Count);
        Assert.All(rows.Source.ToArray(), s => Assert.Equal(result.RunId, s));
        Assert.All(rows.Variant.ToArray(), v => Assert.Equal(result.Variant, v));
    }

    [Fact]
    public async Task Non_positive_episodes_are_bad_input()
    {
        var request = new OnlineRunRequest("navigation1", OnlineAlgorithm.Unconstrained, 0) { Record = false };
        await Assert.ThrowsAsync<BadInputException>(() => new OnlineJob(new LocalObjectStore(_root)).RunAsync(request));
    }
}
