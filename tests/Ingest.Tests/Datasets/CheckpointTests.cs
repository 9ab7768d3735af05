using OfflineSafety.Testing;
using System.Text.Json;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Storage;
using static OfflineSafety.Ingest.Tests.Datasets.SampleTransitions;

namespace OfflineSafety.Ingest.Tests.Datasets;

public sealed class CheckpointTests : IDisposable
{
    private static readonly Dictionary<string, string> None = new();
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Checkpoints_are_written_every_interval_readable_by_our_codec_and_hold_the_replayed_state()
    {
        var store = new DatasetStore(new LocalObjectStore(_dir.Path));
        await store.CreateAsync("ds", Metadata(checkpointInterval: 3));
        for (int i = 0; i < 6; i++) await store.AppendAsync("ds", Make(i % 2 == 0 ? "light" : "heavy", $"s{i}", i, 1, 2));
        await store.DeleteAsync("ds", RowFilter.Parse("source=s1"));      // version 7: a tombstone
        await store.AppendAsync("ds", Make("light", "s9", 9, 1, 2));      // version 8
        await store.AppendAsync("ds", Make("light", "s10", 10, 1, 2));    // version 9: checkpoint
        var log = store.Log("ds");

        var listing = await log.ListAsync();
        Assert.Equal([3L, 6, 9], listing.Checkpoints);
        var last = await log.ReadLastCheckpointAsync();
        var snapshot9 = await log.GetSnapshotAsync(9);
        Assert.Equal(9, last!.Version);
        Assert.Equal(snapshot9.Files.Count, last.NumOfAddFiles);
        Assert.Equal(2 + snapshot9.Files.Count + snapshot9.Tombstones.Count, last.Size);
        using (var pointer = JsonDocument.Parse(await store.Objects.ReadAsync("datasets/ds/_delta_log/_last_checkpoint")))
            Assert.Equal(9, pointer.RootElement.GetProperty("version").GetInt64());

        var actions = await log.ReadCheckpointAsync(9);
        var protocol = Assert.Single(actions.OfType<ProtocolAction>());
        Assert.Equal(ProtocolAction.Supported, protocol);
        var metadata = Assert.Single(actions.OfType<MetadataAction>());
        Assert.Equal(snapshot9.Metadata.Id, metadata.Id);
        Assert.Equal(TransitionSchema.DeltaSchemaString, metadata.SchemaString);
        Assert.Equal(["variant"], metadata.PartitionColumns);
        Assert.Equal("parquet", metadata.Provider);
        Assert.Equal(snapshot9.Metadata.Configuration.OrderBy(kv => kv.Key), metadata.Configuration.OrderBy(kv => kv.Key));
        Assert.Empty(actions.OfType<CommitInfo>());

        var adds = actions.OfType<AddFile>().OrderBy(a => a.Path, StringComparer.Ordinal).ToArray();
        Assert.Equal(snapshot9.Files.Count, adds.Length);
        for (int i = 0; i < adds.Length; i++)
        {
            var expected = snapshot9.Files[i];
            Assert.Equal((expected.Path, expected.Size, expected.ModificationTime, expected.DataChange, expected.Stats),
                (adds[i].Path, adds[i].Size, adds[i].ModificationTime, adds[i].DataChange, adds[i].Stats));
            Assert.Equal(expected.PartitionValues, adds[i].PartitionValues);
            Assert.Equal(expected.Tags!.OrderBy(kv => kv.Key), adds[i].Tags!.OrderBy(kv => kv.Key));
        }
        var tombstone = Assert.Single(actions.OfType<RemoveFile>());
        Assert.Equal(snapshot9.Tombstones[0].Path, tombstone.Path);
        Assert.Equal(snapshot9.Tombstones[0].DeletionTimestamp, tombstone.DeletionTimestamp);

        // The checkpointed snapshot equals a replay of every JSON commit from version 0.
        var replay = new LogReplay();
        for (long v = 0; v <= 9; v++)
            foreach (var a in (await log.TryReadCommitAsync(v))!) replay.Apply(a);
        var fromJson = replay.ToSnapshot(9, DateTimeOffset.UnixEpoch, "ds");
        var latest = await log.GetSnapshotAsync();
        Assert.Equal(fromJson.Files.Select(f => f.Path), latest.Files.Select(f => f.Path));
        Assert.Equal(fromJson.Tombstones.Select(f => f.Path), latest.Tombstones.Select(f => f.Path));
        SampleTransitions.AssertSameRows(await store.ReadAsync(DatasetReference.Parse("ds@9")), await store.ReadAsync(DatasetReference.Parse("ds")));
    }

    [Fact]
    public async Task Two_thousand_commits_load_from_the_latest_checkpoint_and_time_travel_correctly()
    {
        // No data files: this is about the log. Unflushed writes keep 2,000 commits quick.
        var log = new DeltaLog(new LocalObjectStore(_dir.Path, flushToDisk: false), "datasets/big");
        var create = new DeltaTransaction(log, null);
        create.Add(ProtocolAction.Supported);
        create.Add(new MetadataAction("big", TransitionSchema.DeltaSchemaString, ["variant"], new Dictionary<string, string>(), 0));
        await create.CommitAsync("CREATE TABLE", None, None);

        var live = new SortedSet<string>(StringComparer.Ordinal);
        var liveAt1234 = Array.Empty<string>();
        var snapshot = await log.GetSnapshotAsync();
        for (int v = 1; v <= 2000; v++)
        {
            string path = $"variant=v{v % 4}/part-{v:D5}.snappy.parquet";
            var actions = new List<DeltaAction>
            {
                new CommitInfo(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "WRITE", None, None),
                new AddFile(path, new Dictionary<string, string?> { ["variant"] = $"v{v % 4}" }, v, v, true, $"{{\"numRecords\":{v}}}"),
            };
            live.Add(path);
            if (v % 7 == 0)
            {
                string gone = $"variant=v{(v - 5) % 4}/part-{v - 5:D5}.snappy.parquet";
                actions.Add(new RemoveFile(gone, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), true));
                live.Remove(gone);
            }
            // Blind appends from one writer: publish directly and checkpoint on the same schedule
            // DeltaTransaction uses, without re-checking conflicts against ourselves.
            Assert.True(await log.TryWriteCommitAsync(v, actions));
            snapshot = await log.UpdateAsync(snapshot, v);
            if (v % DeltaLog.DefaultCheckpointInterval == 0) await log.WriteCheckpointAsync(snapshot);
            if (v == 1234) liveAt1234 = [.. live];
        }

        Assert.Equal(2000, (await log.ReadLastCheckpointAsync())!.Version);
        Assert.Equal(200, (await log.ListAsync()).Checkpoints.Count);
        var latest = await log.GetSnapshotAsync();
        Assert.Equal(2000, latest.Version);
        Assert.Equal(live, latest.Files.Select(f => f.Path));
        Assert.Equal(2000 / 7, latest.Tombstones.Count);
        Assert.Equal(2000, latest.Files.Single(f => f.Path.EndsWith("part-02000.snappy.parquet", StringComparison.Ordinal)).Size);

        var at1234 = await log.GetSnapshotAsync(1234);   // checkpoint 1230 + 4 commits
        Assert.Equal(liveAt1234, at1234.Files.Select(f => f.Path));
    }
}
