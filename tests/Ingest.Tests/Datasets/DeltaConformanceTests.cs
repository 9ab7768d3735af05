using System.Text.Json;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Storage;
using OfflineSafety.Testing;
using static OfflineSafety.Ingest.Tests.Datasets.SampleTransitions;

namespace OfflineSafety.Ingest.Tests.Datasets;

/// <summary>
/// Our tables against Delta's PROTOCOL.md: what the actions hold, what the data files hold, and
/// that tables written before partition files left out the partition column still work.
/// </summary>
public sealed class DeltaConformanceTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly DatasetStore _store;

    public DeltaConformanceTests() => _store = new DatasetStore(new LocalObjectStore(_dir.Path));

    public void Dispose() => _dir.Dispose();

    private string TableRoot(string name) => Path.Combine(_dir.Path, "datasets", name);

    /// <summary>Appends over two variants (one needing escapes), a delete that rewrites, tombstones and a checkpoint.</summary>
    private async Task BuildBusyTableAsync(string name)
    {
        await _store.CreateAsync(name, Metadata(checkpointInterval: 3));
        var batch = Make("light", "a", 0, 2, 4);
        batch.AddRange(Make("heavy/2 x%", "b", 10, 1, 3));
        await _store.AppendAsync(name, batch);
        await _store.AppendAsync(name, Make("light", "c", 20, 1, 5));
        await _store.DeleteAsync(name, RowFilter.Parse("episode_id=1"));
        await _store.DeleteAsync(name, RowFilter.Parse("source=c"));
    }

    [Fact]
    public async Task A_table_the_store_writes_passes_the_protocol_check_commits_and_checkpoint()
    {
        await BuildBusyTableAsync("ds");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(TableRoot("ds"), "_delta_log"), "*.checkpoint.parquet"));
        Assert.Empty(DeltaProtocolConformance.Check(TableRoot("ds")));
        var snapshot = await _store.SnapshotAsync(new DatasetReference("ds", null));
        Assert.Equal(new ProtocolAction(1, 2), snapshot.Protocol);
        foreach (var file in snapshot.Files)
            Assert.True(File.Exists(Path.Combine(TableRoot("ds"), Uri.UnescapeDataString(file.Path))), file.Path);
    }

    [Fact]
    public async Task Data_files_leave_out_the_partition_column_and_its_stats_readers_take_variant_from_the_log()
    {
        await _store.CreateAsync("ds", Metadata());
        var batch = Make("heavy/2 x%", "a", 0, 2, 3);
        await _store.AppendAsync("ds", batch);
        var file = Assert.Single((await _store.SnapshotAsync(new DatasetReference("ds", null))).Files);
        Assert.Equal("heavy/2 x%", file.PartitionValues[TransitionColumns.Variant]);

        using (var reader = new ParquetFileReader(File.ReadAllBytes(Path.Combine(TableRoot("ds"), DeltaPath.FromLogPath(file.Path)))))
        {
            Assert.False(reader.Schema.TryGetColumn(TransitionColumns.Variant, out _));
            Assert.True(reader.Schema.TryGetColumn(TransitionColumns.Source, out _));
        }
        using (var stats = JsonDocument.Parse(file.Stats!))
        {
            foreach (var section in new[] { "minValues", "maxValues", "nullCount" })
                Assert.False(stats.RootElement.GetProperty(section).TryGetProperty(TransitionColumns.Variant, out _), section);
            Assert.Equal(6, stats.RootElement.GetProperty("numRecords").GetInt64());
            Assert.Equal("a", stats.RootElement.GetProperty("minValues").GetProperty(TransitionColumns.Source).GetString());
        }
        AssertSameRows(batch, await _store.ReadAsync(new DatasetReference("ds", null)));
        var summary = await new DatasetInspection(_store).ShowAsync(new DatasetReference("ds", null));
        Assert.Equal("heavy/2 x%", Assert.Single(summary.ByVariant).Key);
    }

    [Fact]
    public async Task A_remove_carries_partition_values_size_stats_and_tags_of_its_add()
    {
        await _store.CreateAsync("ds", Metadata());
        await _store.AppendAsync("ds", Make("light", "a", 0, 2, 4));
        var added = Assert.Single((await _store.SnapshotAsync(new DatasetReference("ds", null))).Files);
        var deleted = await _store.DeleteAsync("ds", RowFilter.Parse("source=a"));

        string commit = File.ReadAllLines(Path.Combine(TableRoot("ds"), "_delta_log", $"{deleted.Version.Version:D20}.json"))
            .Single(l => l.StartsWith("{\"remove\"", StringComparison.Ordinal));
        using var doc = JsonDocument.Parse(commit);
        var remove = doc.RootElement.GetProperty("remove");
        Assert.Equal(added.Path, remove.GetProperty("path").GetString());
        Assert.True(remove.GetProperty("extendedFileMetadata").GetBoolean());
        Assert.Equal("light", remove.GetProperty("partitionValues").GetProperty("variant").GetString());
        Assert.Equal(added.Size, remove.GetProperty("size").GetInt64());
        Assert.Equal(added.Stats, remove.GetProperty("stats").GetString());
        var tags = remove.GetProperty("tags").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(added.Tags!.OrderBy(t => t.Key), tags.OrderBy(t => t.Key)!);

        // Round trip through our reader; the checkpoint tombstone drops stats and tags as the protocol says.
        var parsed = Assert.Single(DeltaJson.ReadCommit(File.ReadAllBytes(Path.Combine(TableRoot("ds"), "_delta_log", $"{deleted.Version.Version:D20}.json")), "c").OfType<RemoveFile>());
        Assert.Equal(added.Stats, parsed.Stats);
        Assert.Equal(added.Tags!.Count, parsed.Tags!.Count);
        var fromCheckpoint = Assert.Single(DeltaCheckpoint.Read(DeltaCheckpoint.Write([parsed]), "cp").OfType<RemoveFile>());
        Assert.Null(fromCheckpoint.Stats);
        Assert.Null(fromCheckpoint.Tags);
        Assert.Equal(added.Size, fromCheckpoint.Size);
    }

    /// <summary>
    /// Writes a version the way the store did before partition files left out variant: the data
    /// file holds the variant column and the stats name it.
    /// </summary>
    private async Task AppendOldLayoutAsync(string name, TransitionBatch part)
    {
        var log = _store.Log(name);
        string variant = part.Variant[0];
        string relative = DeltaPath.PartitionFolder(TransitionColumns.Variant, variant) + $"part-{Guid.NewGuid()}.snappy.parquet";
        byte[] content = TransitionParquet.Write(part);
        using (var reader = new ParquetFileReader(content)) Assert.True(reader.Schema.TryGetColumn(TransitionColumns.Variant, out _));
        await log.Store.WriteAsync(log.Key(relative), content);
        var tx = new DeltaTransaction(log, await log.GetSnapshotAsync(null));
        tx.Add(new AddFile(DeltaPath.ToLogPath(relative), new Dictionary<string, string?> { [TransitionColumns.Variant] = variant },
            content.Length, 1, DataChange: true, TransitionFileStats.LegacyStatsJson(part), TransitionFileStats.Tags(part)));
        await tx.CommitAsync("WRITE", new Dictionary<string, string>(), new Dictionary<string, string>());
    }

    [Fact]
    public async Task A_table_written_before_the_fix_reads_shows_deletes_and_checks_clean()
    {
        await _store.CreateAsync("old", Metadata());
        var light = Make("light", "a", 0, 2, 4);
        var heavy = Make("heavy", "b", 10, 1, 3);
        await AppendOldLayoutAsync("old", light);
        await AppendOldLayoutAsync("old", heavy);
        await _store.AppendAsync("old", Make("light", "c", 20, 1, 2));   // a new-layout file beside the old ones
        // The check catches what the old writer did wrong: stats naming the partition column.
        Assert.Contains(DeltaProtocolConformance.Check(TableRoot("old")), p => p.Contains("partition column 'variant'", StringComparison.Ordinal));

        var all = await _store.ReadAsync(new DatasetReference("old", null));
        Assert.Equal(light.Count + heavy.Count + 2, all.Count);
        AssertSameRows(heavy, await _store.ReadAsync(new DatasetReference("old", null), "heavy"));
        var summary = await new DatasetInspection(_store).ShowAsync(new DatasetReference("old", null));
        Assert.Equal(["heavy", "light"], summary.ByVariant.Select(g => g.Key));
        Assert.True((await new DatasetCheck(_store).CheckAsync(new DatasetReference("old", null))).Clean);

        // A delete rewrites an old file in the new layout; the rest still reads.
        await _store.DeleteAsync("old", RowFilter.Parse("episode_id=0"));
        var after = await _store.ReadAsync(new DatasetReference("old", null));
        Assert.Equal(all.Count - 4, after.Count);
        Assert.DoesNotContain(0L, after.EpisodeId.ToArray());
        Assert.Equal(["heavy", "light"], after.Variant.ToArray().Distinct().Order());
        var check = await new DatasetCheck(_store).CheckAsync(new DatasetReference("old", null));
        Assert.True(check.Clean, string.Join("; ", check.Findings.Select(f => f.Problem)));
    }

    [Fact]
    public async Task The_partition_value_in_the_log_wins_over_a_variant_column_in_the_file()
    {
        await _store.CreateAsync("old", Metadata());
        await AppendOldLayoutAsync("old", Make("light", "a", 0, 1, 2));
        var file = Assert.Single((await _store.SnapshotAsync(new DatasetReference("old", null))).Files);
        byte[] bytes = File.ReadAllBytes(Path.Combine(TableRoot("old"), DeltaPath.FromLogPath(file.Path)));
        Assert.Equal(["renamed", "renamed"], TransitionParquet.Read(bytes, ObsDim, ActDim, "f", "renamed").Variant.ToArray());
        Assert.Equal(["light", "light"], TransitionParquet.Read(bytes, ObsDim, ActDim, "f").Variant.ToArray());
        byte[] partitionFile = TransitionParquet.WritePartitionFile(Make("light", "a", 0, 1, 2));
        var ex = Assert.Throws<OfflineSafety.Parquet.ParquetFormatException>(() => TransitionParquet.Read(partitionFile, ObsDim, ActDim, "part.parquet"));
        Assert.Contains("part.parquet", ex.Message);
    }

    [Fact]
    public async Task Writers_refuse_tables_needing_a_newer_writer_and_deletes_on_append_only_tables()
    {
        await _store.CreateAsync("ds", Metadata());
        await _store.AppendAsync("ds", Make("light", "a", 0, 1, 2));
        var log = _store.Log("ds");
        var snapshot = await log.GetSnapshotAsync(null);
        var appendOnly = new DeltaTransaction(log, snapshot);
        appendOnly.Add(snapshot.Metadata with
        {
            Configuration = new Dictionary<string, string>(snapshot.Metadata.Configuration) { [DeltaTransaction.AppendOnlyKey] = "true" },
        });
        await appendOnly.CommitAsync("SET TBLPROPERTIES", new Dictionary<string, string>(), new Dictionary<string, string>());
        var refused = await Assert.ThrowsAsync<BadInputException>(() => _store.DeleteAsync("ds", RowFilter.Parse("source=a")));
        Assert.Contains("append-only", refused.Message);
        var overwrite = await Assert.ThrowsAsync<BadInputException>(() => _store.AppendAsync("ds", Make("light", "z", 9, 1, 2),
            new AppendOptions { Mode = WriteMode.Overwrite }));
        Assert.Contains("append-only", overwrite.Message);
        await _store.AppendAsync("ds", Make("light", "b", 1, 1, 2));       // appends stay allowed

        var upgrade = new DeltaTransaction(log, await log.GetSnapshotAsync(null));
        upgrade.Add(new ProtocolAction(1, 7));
        await upgrade.CommitAsync("UPGRADE PROTOCOL", new Dictionary<string, string>(), new Dictionary<string, string>());
        var newer = await Assert.ThrowsAsync<BadInputException>(() => _store.AppendAsync("ds", Make("light", "c", 2, 1, 2)));
        Assert.Contains("writer version 7", newer.Message);
        Assert.Equal(4, (await _store.ReadAsync(new DatasetReference("ds", null))).Count);
    }
}
