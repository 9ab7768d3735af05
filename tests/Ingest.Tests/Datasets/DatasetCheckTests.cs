using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Storage;
using OfflineSafety.Testing;
using static OfflineSafety.Ingest.Tests.Datasets.SampleTransitions;

namespace OfflineSafety.Ingest.Tests.Datasets;

/// <summary>Step 8: `datasets check` finds each injected fault, and repair fixes what it may.</summary>
public sealed class DatasetCheckTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly DatasetStore _store;

    public DatasetCheckTests() => _store = new DatasetStore(new LocalObjectStore(_dir.Path));

    public void Dispose() => _dir.Dispose();

    private string Table => Path.Combine(_dir.Path, "datasets", "ds");

    private async Task<List<string>> ThreeFilesAsync(int checkpointInterval = 10)
    {
        await _store.CreateAsync("ds", Metadata(checkpointInterval));
        await _store.AppendAsync("ds", Make("light", "a", 0, 2, 3));
        await _store.AppendAsync("ds", Make("heavy", "b", 2, 1, 4));
        await _store.AppendAsync("ds", Make("wide", "c", 3, 2, 2));
        var snapshot = await _store.SnapshotAsync(DatasetReference.Parse("ds"));
        return snapshot.Files.Select(f => DeltaPath.FromLogPath(f.Path)).ToList();
    }

    private Task<DatasetCheckResult> CheckAsync(string reference = "ds", bool repair = false) =>
        new DatasetCheck(_store).CheckAsync(DatasetReference.Parse(reference), repair);

    [Fact]
    public async Task A_healthy_dataset_checks_clean_with_every_file_and_row_verified()
    {
        await ThreeFilesAsync();
        var result = await CheckAsync();
        Assert.True(result.Clean, string.Join("; ", result.Findings));
        Assert.Equal(3, result.FilesChecked);
        Assert.Equal(6 + 4 + 4, result.RowsChecked);
        Assert.Equal(3, result.Version.Version);
    }

    [Fact]
    public async Task A_deleted_a_truncated_and_a_bit_flipped_data_file_are_each_found_and_not_repairable()
    {
        var files = await ThreeFilesAsync();
        File.Delete(Path.Combine(Table, files[0]));
        string cut = Path.Combine(Table, files[1]);
        var whole = File.ReadAllBytes(cut);
        File.WriteAllBytes(cut, whole[..^10]);
        string flipped = Path.Combine(Table, files[2]);
        var bytes = File.ReadAllBytes(flipped);
        // The last byte before the footer ends the last column chunk's data page: covered by its CRC.
        int footer = BitConverter.ToInt32(bytes, bytes.Length - 8);
        bytes[bytes.Length - 8 - footer - 1] ^= 0x10;
        File.WriteAllBytes(flipped, bytes);

        var result = await CheckAsync(repair: true);

        Assert.False(result.Clean);
        Assert.Equal(files, result.Findings.Select(f => f.Object));
        Assert.Contains("is missing from store", result.Findings[0].Problem);
        Assert.Contains($"has {whole.Length - 10} bytes, the log recorded {whole.Length}", result.Findings[1].Problem);
        Assert.StartsWith("does not decode:", result.Findings[2].Problem);
        Assert.Contains("page checksum mismatch", result.Findings[2].Problem);
        Assert.All(result.Findings, f => Assert.False(f.Repairable || f.Repaired));
        Assert.Equal(0, result.RowsChecked);
    }

    [Fact]
    public async Task Row_counts_and_stats_that_disagree_with_the_add_action_are_found()
    {
        await ThreeFilesAsync();
        var log = _store.Log("ds");
        var snapshot = await log.GetSnapshotAsync();
        var light = snapshot.Files.Single(f => f.Path.StartsWith("variant=light/", StringComparison.Ordinal));
        var other = Make("light", "a", 0, 1, 3);
        // A log entry that re-adds the file with another file's stats (a hand-edited or corrupted log).
        Assert.True(await log.TryWriteCommitAsync(4, [light with { Stats = TransitionFileStats.StatsJson(other), Tags = TransitionFileStats.Tags(other) }]));

        var result = await CheckAsync();

        var problems = result.Findings.Where(f => f.Object == DeltaPath.FromLogPath(light.Path)).Select(f => f.Problem).ToList();
        Assert.Contains("has 6 rows, the add action recorded 3", problems);
        Assert.Contains("its min/max/null statistics differ from those the add action recorded", problems);
        Assert.Contains("tag offsafe.episodes is 2 in the data, the add action recorded 1", problems);
    }

    [Fact]
    public async Task A_missing_checkpoint_an_orphan_and_a_stale_staging_file_are_found_repair_fixes_two_and_vacuum_the_third()
    {
        await ThreeFilesAsync(checkpointInterval: 2);
        string checkpoint = Path.Combine(Table, "_delta_log", "00000000000000000002.checkpoint.parquet");
        Assert.True(File.Exists(checkpoint));
        File.Delete(checkpoint);
        string orphan = Path.Combine(Table, "variant=light", "part-00000-crashed-before-commit.snappy.parquet");
        File.WriteAllText(orphan, "data of a write that never committed");
        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddDays(-10));
        string staging = Path.Combine(_dir.Path, ".staging");
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "stale0001"), "half a write");
        File.SetLastWriteTimeUtc(Path.Combine(staging, "stale0001"), DateTime.UtcNow.AddHours(-2));
        File.WriteAllText(Path.Combine(staging, "young0001"), "a write in flight");

        var found = await CheckAsync();
        Assert.Equal(
            ["_delta_log/00000000000000000002.checkpoint.parquet", "variant=light/part-00000-crashed-before-commit.snappy.parquet", ".staging/stale0001"],
            found.Findings.Select(f => f.Object));
        Assert.Equal([true, false, true], found.Findings.Select(f => f.Repairable));
        Assert.Contains("orphan", found.Findings[1].Problem);
        Assert.Contains("datasets vacuum", found.Findings[1].Problem);
        Assert.DoesNotContain(found.Findings, f => f.Repaired);
        Assert.False(File.Exists(checkpoint)); // a check without --repair changes nothing

        var repaired = await CheckAsync(repair: true);
        Assert.Equal([true, false, true], repaired.Findings.Select(f => f.Repaired));
        Assert.True(File.Exists(checkpoint));
        Assert.False(File.Exists(Path.Combine(staging, "stale0001")));
        Assert.True(File.Exists(Path.Combine(staging, "young0001")));
        var fromCheckpoint = await _store.Log("ds").GetSnapshotAsync(2);
        Assert.Equal(2, fromCheckpoint.Files.Count);

        var after = await CheckAsync();
        Assert.Equal(["variant=light/part-00000-crashed-before-commit.snappy.parquet"], after.Remaining.Select(f => f.Object));
        await new DatasetMaintenance(_store).VacuumAsync("ds", TimeSpan.FromHours(1));
        Assert.True((await CheckAsync()).Clean);
    }

    [Fact]
    public async Task An_older_version_is_checked_against_its_own_files_while_orphans_are_judged_by_the_latest()
    {
        await ThreeFilesAsync();
        await _store.DeleteAsync("ds", RowFilter.Parse("variant=light"));
        var old = await CheckAsync("ds@1");
        Assert.True(old.Clean, string.Join("; ", old.Findings));
        Assert.Equal(1, old.FilesChecked);
        Assert.Equal(4, old.LatestVersion);
    }
}
