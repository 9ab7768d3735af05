using OfflineSafety.Envs;
using OfflineSafety.Envs.Suites;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Interop.Tests.Peers;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Storage;

namespace OfflineSafety.Interop.Tests.Datasets;

/// <summary>
/// A dataset version is only as open as its data files: DuckDB must read every file the latest
/// snapshot names, and their union must be exactly what `offsafe datasets export` writes.
/// </summary>
[Collection(DuckDbCollection.Name)]
public sealed class DatasetFilesReadByDuckDbTests(DuckDbPeer duckDb) : IDisposable
{
    private const string Columns = "episode_id, step, variant, source, obs, action, next_obs, reward, cost, unsafe, terminal, truncated";
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Union_of_the_latest_snapshots_files_equals_the_export_of_that_version()
    {
        string root = _folder.File("store");
        var store = new DatasetStore(new LocalObjectStore(root));
        var suite = new SuiteGenerator().Generate(new SuiteRequest("navigation2", 3, 400, "auto", 50, Seed: 11));
        await SuiteDataset.WriteAsync(store, "nav", suite);
        var more = new SuiteGenerator().Generate(new SuiteRequest("navigation2", 2, 300, "auto", 40, Seed: 12));
        await SuiteDataset.WriteAsync(store, "nav", more);
        // A delete rewrites files, so the latest snapshot holds both untouched and rewritten files and has tombstones.
        string firstVariant = suite.Training[0].Variant.Variant.Id;
        await store.DeleteAsync("nav", RowFilter.Parse($"variant={firstVariant}"));

        var snapshot = await store.SnapshotAsync(new DatasetReference("nav", null));
        Assert.True(snapshot.Files.Count >= 5);
        var files = snapshot.Files
            .Select(f => Path.Combine(root, "datasets", "nav", DeltaPath.FromLogPath(f.Path)).Replace('\\', '/'))
            .ToList();
        Assert.All(files, f => Assert.True(File.Exists(f), f));

        string export = _folder.File("export.parquet");
        var exported = OffsafeProcess.Run("datasets", "export", "nav", "--out", export, "--store", root, "--json");
        Assert.True(exported.ExitCode == 0, exported.Stderr);

        string list = string.Join(", ", files.Select(f => $"'{f}'"));
        var counts = duckDb.Query($"""
            SELECT (SELECT count(*) FROM read_parquet([{list}])) AS files_rows,
                   (SELECT count(*) FROM read_parquet('{export}')) AS export_rows,
                   (SELECT count(*) FROM (SELECT {Columns} FROM read_parquet([{list}])
                        EXCEPT ALL SELECT {Columns} FROM read_parquet('{export}'))) AS only_in_files,
                   (SELECT count(*) FROM (SELECT {Columns} FROM read_parquet('{export}')
                        EXCEPT ALL SELECT {Columns} FROM read_parquet([{list}]))) AS only_in_export,
                   (SELECT count(*) FROM read_parquet([{list}]) WHERE variant = '{firstVariant}') AS deleted_variant_rows
            """);
        var row = counts.Rows.Single();
        long expectedRows = suite.All.Sum(v => v.Batch.Count) + more.All.Sum(v => v.Batch.Count) - suite.Training[0].Batch.Count;
        Assert.Equal(expectedRows, (long)row[0]!);
        Assert.Equal(expectedRows, (long)row[1]!);
        Assert.Equal(0L, (long)row[2]!);
        Assert.Equal(0L, (long)row[3]!);
        Assert.Equal(0L, (long)row[4]!);
    }

    public void Dispose() => _folder.Dispose();
}
