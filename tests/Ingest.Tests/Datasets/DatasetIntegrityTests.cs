using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Storage;
using OfflineSafety.Testing;
using static OfflineSafety.Ingest.Tests.Datasets.SampleTransitions;

namespace OfflineSafety.Ingest.Tests.Datasets;

/// <summary>Step 8: nothing outside the store is touched, and damage is reported instead of read.</summary>
public sealed class DatasetIntegrityTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly DatasetStore _store;

    public DatasetIntegrityTests() => _store = new DatasetStore(new LocalObjectStore(_dir.Path));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Vacuum_never_deletes_through_a_symlinked_partition_nor_files_the_table_did_not_write()
    {
        using var outside = new TempDirectory();
        string victim = Path.Combine(outside.Path, "part-00000-precious.snappy.parquet");
        File.WriteAllText(victim, "someone else's data");
        await _store.CreateAsync("ds", Metadata());
        await _store.AppendAsync("ds", Make("light", "a", 0, 1, 3));
        string table = Path.Combine(_dir.Path, "datasets", "ds");
        Directory.CreateSymbolicLink(Path.Combine(table, "variant=linked"), outside.Path);
        string notes = Path.Combine(table, "variant=light", "notes.txt");
        File.WriteAllText(notes, "a user's file");
        File.SetLastWriteTimeUtc(notes, DateTime.UtcNow.AddDays(-30));

        var result = await new DatasetMaintenance(_store).VacuumAsync("ds", TimeSpan.Zero);

        Assert.Empty(result.Deleted);
        Assert.Equal(["variant=light/notes.txt"], result.Foreign);
        Assert.True(File.Exists(victim));
        Assert.True(File.Exists(notes));
        Assert.Equal(3, (await _store.ReadAsync(DatasetReference.Parse("ds"))).Count);
    }

    [Fact]
    public async Task A_truncated_or_missing_data_file_is_an_error_naming_file_and_version_never_other_rows()
    {
        await _store.CreateAsync("ds", Metadata());
        await _store.AppendAsync("ds", Make("light", "a", 0, 2, 4));
        string file = Directory.GetFiles(Path.Combine(_dir.Path, "datasets", "ds", "variant=light"))[0];
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..^18].Concat(bytes[^8..]).ToArray()); // still ends in a footer, 10 bytes short

        var cut = await Assert.ThrowsAsync<DataFileDamagedException>(() => _store.ReadAsync(DatasetReference.Parse("ds")));
        Assert.Contains("ds@1: data file 'variant=light/" + Path.GetFileName(file) + $"' has {bytes.Length - 10} bytes, the log recorded {bytes.Length}", cut.Message);

        File.Delete(file);
        var gone = await Assert.ThrowsAsync<DataFileDamagedException>(() => new DatasetInspection(_store).ShowAsync(DatasetReference.Parse("ds")));
        Assert.Contains("is missing from store", gone.Message);
    }
}
