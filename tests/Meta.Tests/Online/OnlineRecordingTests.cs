using OfflineSafety.Envs.Collection;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Meta.Online;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Tests.Online;

public sealed class OnlineRecordingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offsafe-online-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Online_transitions_become_a_readable_dataset_version()
    {
        var n = OnlineFixtures.NavigationNormalization();
        var env = OnlineFixtures.Environment();
        var options = OnlineFixtures.Options(OnlineAlgorithm.Recovery, 3);
        var runner = new OnlineRunner(env, new OnlineStart(OnlineFixtures.ConstantCritic(20f, n), OnlineFixtures.FixedRecovery(n, 0.5f), null), options);
        var sink = new TransitionCollector(2, 2, 512);
        var result = runner.Run(sink);
        Assert.Equal(result.Steps, result.RecordedTransitions);

        var store = new DatasetStore(new LocalObjectStore(_root));
        await store.CreateAsync("online", new DatasetMetadata("navigation1", 2, 2));
        var commit = await store.AppendAsync("online", sink.Batch);
        var rows = await store.ReadAsync(new DatasetReference("online", commit.Version.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal((int)result.Steps, rows.Count);
        Assert.All(rows.Source.ToArray(), s => Assert.Equal(options.RunId, s));
        Assert.All(rows.Variant.ToArray(), v => Assert.Equal(env.Variant.Id, v));
        // Executed (recovery) actions were logged, and each episode's last row ends it.
        for (int i = 0; i < rows.Count; i++) Assert.Equal(0.5f, rows.ActionRow(i)[0], 4);
        int ends = 0;
        for (int i = 0; i < rows.Count; i++) if (rows.Terminal[i] || rows.Truncated[i]) ends++;
        Assert.Equal(3, ends);
        Assert.Equal(result.Violations, rows.Unsafe.ToArray().Count(u => u));
    }
}
