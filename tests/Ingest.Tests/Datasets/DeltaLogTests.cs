using OfflineSafety.Errors;
using OfflineSafety.Testing;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Storage;

namespace OfflineSafety.Ingest.Tests.Datasets;

public sealed class DeltaLogTests : IDisposable
{
    private static readonly Dictionary<string, string> None = new();
    private readonly TempDirectory _dir = new();
    private readonly DeltaLog _log;

    public DeltaLogTests() => _log = new DeltaLog(new LocalObjectStore(_dir.Path), "datasets/t");

    public void Dispose() => _dir.Dispose();

    private static MetadataAction Metadata(string schema = "{}") =>
        new("id-1", schema, ["variant"], new Dictionary<string, string> { [DeltaLog.CheckpointIntervalKey] = "1000" }, 1);

    private static AddFile Add(string path, string variant = "a") =>
        new(path, new Dictionary<string, string?> { ["variant"] = variant }, 10, 1, true, "{\"numRecords\":1}");

    private async Task<Snapshot> CreateAsync()
    {
        var tx = new DeltaTransaction(_log, null);
        tx.Add(ProtocolAction.Supported);
        tx.Add(Metadata());
        Assert.Equal(0, await tx.CommitAsync("CREATE TABLE", None, None));
        return await _log.GetSnapshotAsync();
    }

    private async Task<long> CommitAsync(Snapshot read, params DeltaAction[] actions)
    {
        var tx = new DeltaTransaction(_log, read);
        foreach (var a in actions) tx.Add(a);
        return await tx.CommitAsync("WRITE", None, None);
    }

    [Fact]
    public void Commit_json_round_trips_every_action_and_skips_unknown_ones()
    {
        DeltaAction[] actions =
        [
            new CommitInfo(1700000000000, "WRITE", new Dictionary<string, string> { ["mode"] = "Append" }, new Dictionary<string, string> { ["rows"] = "3" }, "e", 4, true),
            ProtocolAction.Supported,
            Metadata("{\"type\":\"struct\",\"fields\":[]}"),
            new AddFile("variant=a%3Db/part-1.snappy.parquet", new Dictionary<string, string?> { ["variant"] = "a=b" }, 123, 456, true, "{\"numRecords\":3}", new Dictionary<string, string> { ["k"] = "v" }),
            new RemoveFile("variant=a/part-0.snappy.parquet", 789, true, new Dictionary<string, string?> { ["variant"] = null }, 99),
            new TransactionAction("app", 7, 8),
        ];
        byte[] bytes = DeltaJson.WriteCommit(actions);
        string text = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.Equal(6, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.StartsWith("{\"commitInfo\":{\"timestamp\":1700000000000", text);
        Assert.Contains("\"format\":{\"provider\":\"parquet\",\"options\":{}}", text);
        Assert.Contains("\"extendedFileMetadata\":true", text);

        var withUnknown = System.Text.Encoding.UTF8.GetBytes(text + "{\"cdc\":{\"path\":\"x\"}}\n");
        var back = DeltaJson.ReadCommit(withUnknown, "test");
        Assert.Equal(6, back.Count);
        var info = Assert.IsType<CommitInfo>(back[0]);
        Assert.Equal("Append", info.OperationParameters["mode"]);
        Assert.Equal(4, info.ReadVersion);
        var add = Assert.IsType<AddFile>(back[3]);
        Assert.Equal("a=b", add.PartitionValues["variant"]);
        Assert.Equal("v", add.Tags!["k"]);
        var remove = Assert.IsType<RemoveFile>(back[4]);
        Assert.Null(remove.PartitionValues!["variant"]);
        Assert.Equal(99, remove.Size);
        Assert.Equal(new TransactionAction("app", 7, 8), back[5]);
    }

    [Fact]
    public void A_damaged_commit_line_names_the_file_and_line()
    {
        var ex = Assert.Throws<InvalidDataException>(() => DeltaJson.ReadCommit("{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n{\"add\":{\"path\":"u8, "log/7.json"));
        Assert.Contains("log/7.json line 2", ex.Message);
    }

    [Fact]
    public async Task Replay_keeps_the_newest_action_per_path_and_time_travels_by_version()
    {
        var s0 = await CreateAsync();
        long v1 = await CommitAsync(s0, Add("variant=a/f1"), Add("variant=a/f2"));
        var s1 = await _log.GetSnapshotAsync();
        long v2 = await CommitAsync(s1, new RemoveFile("variant=a/f1", 5, true), Add("variant=b/f3", "b"));
        var latest = await _log.GetSnapshotAsync();

        Assert.Equal(2, latest.Version);
        Assert.Equal(["variant=a/f2", "variant=b/f3"], latest.Files.Select(f => f.Path));
        Assert.Equal(["variant=a/f1"], latest.Tombstones.Select(f => f.Path));
        var old = await _log.GetSnapshotAsync(v1);
        Assert.Equal(["variant=a/f1", "variant=a/f2"], old.Files.Select(f => f.Path));
        Assert.Empty(old.Tombstones);
        Assert.Empty((await _log.GetSnapshotAsync(0)).Files);
        await Assert.ThrowsAsync<NotFoundException>(() => _log.GetSnapshotAsync(v2 + 1));
    }

    [Fact]
    public async Task Concurrent_appends_from_one_snapshot_both_land_with_distinct_versions()
    {
        var s0 = await CreateAsync();
        long a = await CommitAsync(s0, Add("variant=a/x"));
        long b = await CommitAsync(s0, Add("variant=a/y"));
        Assert.Equal([1L, 2L], new[] { a, b });
        var latest = await _log.GetSnapshotAsync();
        Assert.Equal(["variant=a/x", "variant=a/y"], latest.Files.Select(f => f.Path));
        var second = await _log.TryReadCommitAsync(2);
        Assert.Equal(0, second!.OfType<CommitInfo>().Single().ReadVersion);
    }

    [Fact]
    public async Task Removing_a_file_a_concurrent_commit_already_removed_conflicts()
    {
        var s0 = await CreateAsync();
        await CommitAsync(s0, Add("variant=a/x"));
        var s1 = await _log.GetSnapshotAsync();
        await CommitAsync(s1, new RemoveFile("variant=a/x", 1, true));
        var ex = await Assert.ThrowsAsync<DeltaConflictException>(() => CommitAsync(s1, new RemoveFile("variant=a/x", 2, true), Add("variant=a/x2")));
        Assert.Contains("variant=a/x", ex.Message);
        Assert.Equal(2, await _log.LatestVersionAsync());
    }

    [Fact]
    public async Task A_commit_that_read_a_file_a_winner_removed_conflicts_but_a_blind_append_does_not()
    {
        var s0 = await CreateAsync();
        await CommitAsync(s0, Add("variant=a/x"), Add("variant=a/y"));
        var s1 = await _log.GetSnapshotAsync();
        await CommitAsync(s1, new RemoveFile("variant=a/y", 1, true));

        var reader = new DeltaTransaction(_log, s1);
        reader.MarkRead(["variant=a/y"]);
        reader.Add(new RemoveFile("variant=a/x", 2, true));
        await Assert.ThrowsAsync<DeltaConflictException>(() => reader.CommitAsync("DELETE", None, None));

        Assert.Equal(3, await CommitAsync(s1, Add("variant=a/z")));
    }

    [Fact]
    public async Task A_second_create_conflicts_and_a_schema_change_conflicts_with_a_stale_append()
    {
        var s0 = await CreateAsync();
        var again = new DeltaTransaction(_log, null);
        again.Add(ProtocolAction.Supported);
        again.Add(Metadata());
        var ex = await Assert.ThrowsAsync<DeltaConflictException>(() => again.CommitAsync("CREATE TABLE", None, None));
        Assert.Contains("created the table first", ex.Message);

        await CommitAsync(s0, Metadata("{\"type\":\"struct\",\"fields\":[{\"name\":\"z\"}]}"));
        await Assert.ThrowsAsync<DeltaConflictException>(() => CommitAsync(s0, Add("variant=a/x")));
    }

    [Fact]
    public async Task Version_at_a_time_is_the_latest_commit_not_after_it()
    {
        var s = await CreateAsync();
        for (int i = 0; i < 3; i++)
        {
            await Task.Delay(15);
            await CommitAsync(s, Add($"variant=a/f{i}"));
        }
        var history = await _log.HistoryAsync();
        Assert.Equal([0L, 1, 2, 3], history.Select(h => h.Version));
        Assert.Equal(2, await _log.VersionAtAsync(history[2].Timestamp));
        Assert.Equal(2, await _log.VersionAtAsync(history[3].Timestamp.AddMilliseconds(-1)));
        Assert.Equal(3, await _log.VersionAtAsync(DateTimeOffset.UtcNow.AddDays(1)));
        await Assert.ThrowsAsync<NotFoundException>(() => _log.VersionAtAsync(history[0].Timestamp.AddSeconds(-1)));
    }

    [Fact]
    public async Task A_missing_table_is_reported_by_name()
    {
        var ex = await Assert.ThrowsAsync<TableNotFoundException>(() => _log.GetSnapshotAsync());
        Assert.Contains("datasets/t/", ex.Message);
    }

    [Fact]
    public void Partition_folders_escape_reserved_characters_and_log_paths_round_trip()
    {
        Assert.Equal("variant=mass%3D2%2Fheavy/", DeltaPath.PartitionFolder("variant", "mass=2/heavy"));
        Assert.Equal("variant=__HIVE_DEFAULT_PARTITION__/", DeltaPath.PartitionFolder("variant", ""));
        string relative = DeltaPath.PartitionFolder("variant", "a b%") + "part-1.snappy.parquet";
        string logPath = DeltaPath.ToLogPath(relative);
        Assert.Equal("variant=a%20b%2525/part-1.snappy.parquet", logPath);
        Assert.Equal(relative, DeltaPath.FromLogPath(logPath));
        Assert.True(DeltaPath.TryParseLogName("00000000000000000042.checkpoint.parquet", out long v, out bool cp) && v == 42 && cp);
        Assert.False(DeltaPath.TryParseLogName("_last_checkpoint", out _, out _));
    }
}
