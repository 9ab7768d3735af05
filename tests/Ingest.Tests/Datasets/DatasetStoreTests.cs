using OfflineSafety.Errors;
using OfflineSafety.Testing;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Storage;
using static OfflineSafety.Ingest.Tests.Datasets.SampleTransitions;

namespace OfflineSafety.Ingest.Tests.Datasets;

public sealed class DatasetStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly DatasetStore _store;
    private readonly DatasetTags _tags;
    private readonly DatasetInspection _inspection;
    private readonly DatasetMaintenance _maintenance;

    public DatasetStoreTests()
    {
        _store = new DatasetStore(new LocalObjectStore(_dir.Path));
        _tags = new DatasetTags(_store);
        _inspection = new DatasetInspection(_store);
        _maintenance = new DatasetMaintenance(_store);
    }

    public void Dispose() => _dir.Dispose();

    private static DatasetReference Ref(string text) => DatasetReference.Parse(text);

    [Fact]
    public async Task Create_append_read_round_trips_rows_and_metadata()
    {
        var v0 = await _store.CreateAsync("ds", Metadata());
        Assert.Equal(0, v0.Version);
        var batch = Make("light", "robotA", 0, 2, 5);
        var r = await _store.AppendAsync("ds", batch);
        Assert.Equal(1, r.Version.Version);
        Assert.Equal(v0.TableId, r.Version.TableId);
        Assert.Equal(1, r.FilesAdded);

        AssertSameRows(batch, await _store.ReadAsync(Ref("ds")));
        var m = DatasetStore.MetadataOf("ds", await _store.SnapshotAsync(Ref("ds")));
        Assert.Equal("Sample-v0", m.EnvId);
        Assert.Equal([-1f, -2f, -3f], m.ObsLow);
        Assert.Equal([1f, 1f], m.ActionHigh);
        Assert.Equal(TransitionColumns.LabelConventionVersion, m.LabelConventionVersion);
        Assert.Equal(0.5, m.VariantParams["light"]["mass"]);
        Assert.Equal(["ds"], await _store.ListAsync());
    }

    [Fact]
    public async Task Appends_are_partitioned_by_variant_with_stats_and_unique_file_names()
    {
        await _store.CreateAsync("ds", Metadata());
        var batch = Make("light", "a", 0, 1, 4);
        batch.AddRange(Make("heavy/2", "a", 10, 1, 3));
        await _store.AppendAsync("ds", batch);
        var snapshot = await _store.SnapshotAsync(Ref("ds"));
        Assert.Equal(2, snapshot.Files.Count);
        var heavy = snapshot.Files.Single(f => f.PartitionValues["variant"] == "heavy/2");
        Assert.StartsWith("variant=heavy%252F2/part-", heavy.Path);
        Assert.EndsWith(".snappy.parquet", heavy.Path);
        Assert.Equal(3, TransitionFileStats.NumRecords(heavy));
        Assert.Equal(1, TransitionFileStats.UnsafeRows(heavy));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "datasets", "ds", "variant=heavy%2F2", heavy.Path.Split('/')[1])));
        var light = await _store.ReadAsync(Ref("ds"), variant: "light");
        Assert.Equal(4, light.Count);
        Assert.All(light.Variant.ToArray(), v => Assert.Equal("light", v));
    }

    [Fact]
    public async Task Append_rejects_wrong_dimensions_and_empty_variants_without_committing()
    {
        await _store.CreateAsync("ds", Metadata());
        var wrong = new TransitionBatch(ObsDim + 1, ActDim);
        wrong.Add(0, 0, "v", "s", new float[ObsDim + 1], new float[ActDim], new float[ObsDim + 1], 0, 0, false, false, false);
        var ex = await Assert.ThrowsAsync<BadInputException>(() => _store.AppendAsync("ds", wrong));
        Assert.Contains("obs dim 3", ex.Message);
        var noVariant = Make("", "s", 0, 1, 2);
        await Assert.ThrowsAsync<BadInputException>(() => _store.AppendAsync("ds", noVariant));
        Assert.Equal(0, await _store.Log("ds").LatestVersionAsync());
        await Assert.ThrowsAsync<DatasetNotFoundException>(() => _store.AppendAsync("missing", Make("v", "s", 0, 1, 1)));
    }

    [Fact]
    public async Task Show_counts_rows_episodes_and_unsafe_per_variant_and_source()
    {
        await _store.CreateAsync("ds", Metadata());
        await _store.AppendAsync("ds", Make("light", "robotA", 0, 2, 6));   // 12 rows, 4 unsafe
        await _store.AppendAsync("ds", Make("heavy", "robotA", 5, 1, 3));   // 3 rows, 1 unsafe
        await _store.AppendAsync("ds", Make("heavy", "sim", 0, 3, 3));      // 9 rows, 3 unsafe
        var s = await _inspection.ShowAsync(Ref("ds"));
        Assert.Equal(new GroupSummary("*", 24, 6, 8), s.Total);
        Assert.Equal([new GroupSummary("heavy", 12, 4, 4), new GroupSummary("light", 12, 2, 4)], s.ByVariant);
        Assert.Equal([new GroupSummary("robotA", 15, 3, 5), new GroupSummary("sim", 9, 3, 3)], s.BySource);
        Assert.Equal(1.0 / 3, s.Total.UnsafeFraction, 12);
        Assert.Equal(3, s.Files);
    }

    [Fact]
    public async Task History_lists_operations_metrics_and_tags()
    {
        await _store.CreateAsync("ds", Metadata());
        await _store.AppendAsync("ds", Make("light", "a", 0, 2, 3), new AppendOptions
        {
            Operation = "INGEST",
            Parameters = new Dictionary<string, string> { ["rejects"] = "rejects/x.jsonl" },
            Metrics = new Dictionary<string, string> { ["rejectedRows"] = "2" },
        });
        await _tags.TagAsync("ds", 1, "first");
        var h = await _inspection.HistoryAsync("ds");
        Assert.Equal(["CREATE TABLE", "INGEST"], h.Select(e => e.Operation));
        Assert.Equal("6", h[1].Metrics["rows"]);
        Assert.Equal("2", h[1].Metrics["unsafe"]);
        Assert.Equal("2", h[1].Metrics["episodes"]);
        Assert.Equal("2", h[1].Metrics["rejectedRows"]);
        Assert.Equal("rejects/x.jsonl", h[1].Parameters["rejects"]);
        Assert.Equal(1, h[1].FilesAdded);
        Assert.Equal(["first"], h[1].Tags);
    }

    [Fact]
    public async Task Time_travel_by_version_tag_and_timestamp()
    {
        await _store.CreateAsync("ds", Metadata());
        await _store.AppendAsync("ds", Make("light", "a", 0, 1, 2));
        await Task.Delay(20);
        await _store.AppendAsync("ds", Make("light", "a", 1, 1, 3));
        await _tags.TagAsync("ds", 1, "v-one");
        var history = await _inspection.HistoryAsync("ds");

        Assert.Equal(2, (await _store.ReadAsync(Ref("ds@1"))).Count);
        Assert.Equal(5, (await _store.ReadAsync(Ref("ds"))).Count);
        Assert.Equal(2, (await _store.ReadAsync(Ref("ds@v-one"))).Count);
        string between = history[2].Timestamp.AddMilliseconds(-1).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ");
        Assert.Equal(1, (await _store.ResolveAsync(Ref("ds@" + between))).Version);
        string after = history[2].Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff");  // no offset: UTC
        Assert.Equal(2, (await _store.ResolveAsync(Ref("ds@" + after))).Version);
        await Assert.ThrowsAsync<NotFoundException>(() => _store.ResolveAsync(Ref("ds@2001-01-01T00:00:00Z")));
        await Assert.ThrowsAsync<NotFoundException>(() => _store.ResolveAsync(Ref("ds@nosuchtag")));
        await Assert.ThrowsAsync<NotFoundException>(() => _store.ResolveAsync(Ref("ds@1.5")));   // not read as a date
        await Assert.ThrowsAsync<NotFoundException>(() => _store.ResolveAsync(Ref("ds@9")));
    }

    [Fact]
    public async Task Tags_are_immutable_and_validated()
    {
        await _store.CreateAsync("ds", Metadata());
        await _store.AppendAsync("ds", Make("light", "a", 0, 1, 2));
        await _tags.TagAsync("ds", 1, "gold");
        Assert.Equal(1, (await _tags.TagAsync("ds", 1, "gold")).Version);
        var ex = await Assert.ThrowsAsync<ConflictException>(() => _tags.TagAsync("ds", 0, "gold"));
        Assert.Contains("already names version 1", ex.Message);
        await Assert.ThrowsAsync<BadInputException>(() => _tags.TagAsync("ds", 0, "123"));
        await Assert.ThrowsAsync<BadInputException>(() => _tags.TagAsync("ds", 0, "../x"));
        await Assert.ThrowsAsync<NotFoundException>(() => _tags.TagAsync("ds", 7, "later"));
        Assert.Equal(["gold"], (await _tags.TagsAsync("ds")).Select(t => t.Name));
    }

    [Fact]
    public async Task Diff_reports_files_rows_and_unsafe_changes()
    {
        await _store.CreateAsync("ds", Metadata());
        await _store.AppendAsync("ds", Make("light", "a", 0, 2, 3));  // 6 rows, 2 unsafe
        await _store.AppendAsync("ds", Make("heavy", "b", 0, 1, 6));  // 6 rows, 2 unsafe
        await _store.DeleteAsync("ds", RowFilter.Parse("source=a"));
        var grow = await _inspection.DiffAsync(Ref("ds@1"), Ref("ds@2"));
        Assert.Single(grow.FilesAdded);
        Assert.Empty(grow.FilesRemoved);
        Assert.Equal((6L, 0L, 2L, 2L), (grow.RowsAdded, grow.RowsRemoved, grow.UnsafeAdded, grow.UnsafeChange));
        var shrink = await _inspection.DiffAsync(Ref("ds@1"), Ref("ds@3"));
        Assert.Equal((6L, 6L, 0L), (shrink.RowsAdded, shrink.RowsRemoved, shrink.UnsafeChange));
        var back = await _inspection.DiffAsync(Ref("ds@3"), Ref("ds@0"));
        Assert.Equal((0L, 6L, -2L), (back.RowsAdded, back.RowsRemoved, back.UnsafeChange));
    }

    [Fact]
    public async Task Overwrite_replaces_every_row_in_one_version_and_older_versions_keep_theirs()
    {
        await _store.CreateAsync("ds", Metadata());
        var first = Make("light", "robotA", 0, 2, 3);
        await _store.AppendAsync("ds", first);
        await _store.AppendAsync("ds", Make("heavy", "robotB", 10, 1, 4));

        var replacement = Make("light", "robotC", 20, 1, 5);
        var r = await _store.AppendAsync("ds", replacement, new AppendOptions { Operation = "GENERATE", Mode = WriteMode.Overwrite });
        Assert.Equal(3, r.Version.Version);
        Assert.Equal((1, 2, 5L, 10L), (r.FilesAdded, r.FilesRemoved, r.RowsAdded, r.RowsRemoved));

        AssertSameRows(replacement, await _store.ReadAsync(Ref("ds")));
        Assert.Equal(10, (await _store.ReadAsync(Ref("ds@2"))).Count);
        var h = await _inspection.HistoryAsync("ds");
        Assert.Equal(("GENERATE", "Overwrite", "2", "10"), (h[3].Operation, h[3].Parameters["mode"], h[3].Metrics["numRemovedFiles"], h[3].Metrics["numDeletedRows"]));

        // An overwrite may bring back a variant whose name differs only by case: nothing of the old one remains.
        var renamed = await _store.AppendAsync("ds", Make("Light", "robotC", 30, 1, 2), new AppendOptions { Mode = WriteMode.Overwrite });
        Assert.Equal(2, (await _store.ReadAsync(Ref("ds"))).Count);
        Assert.Equal(1, renamed.FilesRemoved);
    }

    [Fact]
    public async Task Delete_by_source_removes_rows_now_and_older_versions_still_have_them()
    {
        await _store.CreateAsync("ds", Metadata());
        var mixed = Make("light", "robotA", 0, 2, 3);
        mixed.AddRange(Make("light", "robotB", 10, 1, 3));
        await _store.AppendAsync("ds", mixed);
        await _store.AppendAsync("ds", Make("heavy", "robotB", 20, 1, 2));

        var r = await _store.DeleteAsync("ds", RowFilter.Parse("source=robotA"));
        Assert.Equal(3, r.Version.Version);
        Assert.Equal((1, 1, 9L, 3L), (r.FilesRemoved, r.FilesAdded, r.RowsRemoved, r.RowsAdded));

        var now = await _store.ReadAsync(Ref("ds"));
        Assert.Equal(5, now.Count);
        Assert.DoesNotContain("robotA", now.Source.ToArray());
        var before = await _store.ReadAsync(Ref("ds@2"));
        Assert.Equal(6, before.Source.ToArray().Count(s => s == "robotA"));
        var h = await _inspection.HistoryAsync("ds");
        Assert.Equal("DELETE", h[3].Operation);
        Assert.Equal("source = 'robotA'", h[3].Parameters["predicate"]);
        Assert.Equal("6", h[3].Metrics["numDeletedRows"]);

        // A file without matching rows is neither read into the commit nor rewritten.
        var none = await _store.DeleteAsync("ds", RowFilter.Parse("source=nobody"));
        Assert.Equal((0, 0), (none.FilesRemoved, none.FilesAdded));
    }

    [Fact]
    public async Task Delete_by_variant_drops_whole_files_and_by_episode_rewrites_only_affected_files()
    {
        await _store.CreateAsync("ds", Metadata());
        await _store.AppendAsync("ds", Make("light", "a", 0, 3, 2));
        await _store.AppendAsync("ds", Make("heavy", "a", 100, 2, 2));
        var byVariant = await _store.DeleteAsync("ds", RowFilter.Parse("variant=heavy"));
        Assert.Equal((1, 0, 4L), (byVariant.FilesRemoved, byVariant.FilesAdded, byVariant.RowsRemoved));
        var byEpisode = await _store.DeleteAsync("ds", RowFilter.Parse("episode_id=1"));
        Assert.Equal((1, 1), (byEpisode.FilesRemoved, byEpisode.FilesAdded));
        var left = await _store.ReadAsync(Ref("ds"));
        Assert.Equal([0L, 0, 2, 2], left.EpisodeId.ToArray());
        Assert.Throws<BadInputException>(() => RowFilter.Parse("reward=1"));
        Assert.Throws<BadInputException>(() => RowFilter.Parse("episode_id=x"));
    }

    [Fact]
    public async Task Export_writes_every_format_deterministically()
    {
        await _store.CreateAsync("ds", Metadata());
        await _store.AppendAsync("ds", Make("light", "a,b", 0, 2, 3));
        await _store.AppendAsync("ds", Make("heavy", "c", 0, 1, 2));
        var expected = await _store.ReadAsync(Ref("ds"));

        string csv = Path.Combine(_dir.Path, "out", "x.csv");
        var e = await _maintenance.ExportAsync(Ref("ds@2"), csv);
        Assert.Equal((2L, 8L, ExportFormat.Csv), (e.Version.Version, e.Rows, e.Format));
        var lines = File.ReadAllLines(csv);
        Assert.Equal("episode_id,step,variant,source,obs_0,obs_1,obs_2,action_0,action_1,next_obs_0,next_obs_1,next_obs_2,reward,cost,unsafe,terminal,truncated", lines[0]);
        Assert.Equal(9, lines.Length);
        Assert.Contains(lines, l => l.Contains(",\"a,b\","));
        byte[] first = File.ReadAllBytes(csv);
        await _maintenance.ExportAsync(Ref("ds@2"), csv);
        Assert.Equal(first, File.ReadAllBytes(csv));

        string jsonl = Path.Combine(_dir.Path, "out", "x.jsonl");
        await _maintenance.ExportAsync(Ref("ds"), jsonl);
        var rows = File.ReadAllLines(jsonl);
        Assert.Equal(8, rows.Length);
        using (var doc = System.Text.Json.JsonDocument.Parse(rows[0]))
        {
            Assert.Equal(expected.EpisodeId[0], doc.RootElement.GetProperty("episode_id").GetInt64());
            Assert.Equal(3, doc.RootElement.GetProperty("obs").GetArrayLength());
            Assert.Equal(expected.Obs[1], doc.RootElement.GetProperty("obs")[1].GetSingle());
        }

        string parquet = Path.Combine(_dir.Path, "out", "x.parquet");
        await _maintenance.ExportAsync(Ref("ds"), parquet);
        AssertSameRows(expected, TransitionParquet.Read(File.ReadAllBytes(parquet), ObsDim, ActDim, parquet));
        await Assert.ThrowsAsync<BadInputException>(() => _maintenance.ExportAsync(Ref("ds"), Path.Combine(_dir.Path, "x.txt")));
    }

    [Fact]
    public async Task Vacuum_deletes_old_unreferenced_files_only()
    {
        await _store.CreateAsync("ds", Metadata());
        await _store.AppendAsync("ds", Make("light", "a", 0, 1, 3));
        await _store.AppendAsync("ds", Make("light", "b", 0, 1, 3));
        await _store.DeleteAsync("ds", RowFilter.Parse("source=a"));     // tombstones the first file
        var objects = _store.Objects;
        // Leftovers of a writer that died before committing: one old, one fresh.
        await objects.WriteAsync("datasets/ds/variant=light/part-orphan-old.snappy.parquet", "x"u8.ToArray());
        await objects.WriteAsync("datasets/ds/variant=light/part-orphan-new.snappy.parquet", "x"u8.ToArray());
        File.SetLastWriteTimeUtc(Path.Combine(_dir.Path, "datasets/ds/variant=light/part-orphan-old.snappy.parquet"), DateTime.UtcNow.AddHours(-200));

        var dry = await _maintenance.VacuumAsync("ds", dryRun: true);
        Assert.Equal(["variant=light/part-orphan-old.snappy.parquet"], dry.Deleted);
        Assert.NotNull(await objects.GetInfoAsync("datasets/ds/variant=light/part-orphan-old.snappy.parquet"));

        var week = await _maintenance.VacuumAsync("ds");
        Assert.Equal(["variant=light/part-orphan-old.snappy.parquet"], week.Deleted);
        Assert.Equal(2, (await _store.ReadAsync(Ref("ds@2"))).Source.ToArray().Distinct().Count());   // tombstoned file kept

        var now = await _maintenance.VacuumAsync("ds", TimeSpan.Zero);
        Assert.Equal(2, now.Deleted.Count);   // the fresh orphan and the file the delete removed
        Assert.Equal(3, (await _store.ReadAsync(Ref("ds"))).Count);
        Assert.NotNull(await objects.GetInfoAsync("datasets/ds/_delta_log/00000000000000000000.json"));
    }

    [Fact]
    public async Task Ensure_created_creates_once_and_rejects_incompatible_dimensions()
    {
        var a = await _store.EnsureCreatedAsync("ds", Metadata());
        var b = await _store.EnsureCreatedAsync("ds", Metadata());
        Assert.Equal(a.TableId, b.TableId);
        var ex = await Assert.ThrowsAsync<ConflictException>(() => _store.EnsureCreatedAsync("ds", new DatasetMetadata("Sample-v0", 9, ActDim)));
        Assert.Contains("obs dim 9", ex.Message);
        await Assert.ThrowsAsync<ConflictException>(() => _store.CreateAsync("ds", Metadata()));
        Assert.Throws<BadInputException>(() => DatasetReference.Parse("bad/name"));
    }

    [Fact]
    public async Task New_variant_parameters_are_merged_and_conflicting_ones_rejected()
    {
        await _store.CreateAsync("ds", Metadata());
        var heavy = new Dictionary<string, IReadOnlyDictionary<string, double>> { ["heavy"] = new Dictionary<string, double> { ["mass"] = 2 } };
        await _store.AppendAsync("ds", Make("heavy", "a", 0, 1, 2), new AppendOptions { VariantParams = heavy });
        var m = DatasetStore.MetadataOf("ds", await _store.SnapshotAsync(Ref("ds")));
        Assert.Equal(2, m.VariantParams["heavy"]["mass"]);
        Assert.Equal(0.5, m.VariantParams["light"]["mass"]);
        var clash = new Dictionary<string, IReadOnlyDictionary<string, double>> { ["heavy"] = new Dictionary<string, double> { ["mass"] = 3 } };
        await Assert.ThrowsAsync<ConflictException>(() => _store.AppendAsync("ds", Make("heavy", "a", 1, 1, 2), new AppendOptions { VariantParams = clash }));
    }

    [Fact]
    public async Task Several_batches_append_as_one_version_and_an_empty_append_keeps_its_provenance()
    {
        await _store.CreateAsync("ds", Metadata());
        var r = await _store.AppendAsync("ds", Batches(Make("light", "a", 0, 1, 3), Make("heavy", "a", 1, 1, 2), Make("light", "a", 2, 1, 4)));
        Assert.Equal((1L, 3, 9L), (r.Version.Version, r.FilesAdded, r.RowsAdded));
        Assert.Equal(9, (await _store.ReadAsync(Ref("ds@1"))).Count);

        var empty = await _store.AppendAsync("ds", Batches(), new AppendOptions { Operation = "INGEST", Parameters = new Dictionary<string, string> { ["rejects"] = "r.jsonl" } });
        Assert.Equal((2L, 0, 0L), (empty.Version.Version, empty.FilesAdded, empty.RowsAdded));
        var h = await _inspection.HistoryAsync("ds");
        Assert.Equal("r.jsonl", h[2].Parameters["rejects"]);
        Assert.Equal("0", h[2].Metrics["rows"]);
    }

    private static async IAsyncEnumerable<TransitionBatch> Batches(params TransitionBatch[] batches)
    {
        foreach (var b in batches)
        {
            await Task.Yield();
            yield return b;
        }
    }
}
