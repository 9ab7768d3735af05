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
/// snapshot names, and their union must be exactly what `offsafe datasets export` writes. As in
/// any Delta table, the partition column is not stored in the data files: DuckDB takes it from the
/// Hive-style folder (`variant=...`), as engines that bypass the log do.
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
        var plain = duckDb.Query($"SELECT * FROM read_parquet([{list}], hive_partitioning = false) LIMIT 0");
        Assert.DoesNotContain("variant", plain.Columns.Select(c => c.Name));
        string tableFiles = $"read_parquet([{list}], hive_partitioning = true, hive_types = {{'variant': VARCHAR}})";
        var counts = duckDb.Query($"""
            SELECT (SELECT count(*) FROM {tableFiles}) AS files_rows,
                   (SELECT count(*) FROM read_parquet('{export}')) AS export_rows,
                   (SELECT count(*) FROM (SELECT {Columns} FROM {tableFiles}
                        EXCEPT ALL SELECT {Columns} FROM read_parquet('{export}'))) AS only_in_files,
                   (SELECT count(*) FROM (SELECT {Columns} FROM read_parquet('{export}')
                        EXCEPT ALL SELECT {Columns} FROM {tableFiles})) AS only_in_export,
                   (SELECT count(*) FROM {tableFiles} WHERE variant = '{firstVariant}') AS deleted_variant_rows
            """);
        var row = counts.Rows.Single();
        long expectedRows = suite.All.Sum(v => v.Batch.Count) + more.All.Sum(v => v.Batch.Count) - suite.Training[0].Batch.Count;
        Assert.Equal(expectedRows, (long)row[0]!);
        Assert.Equal(expectedRows, (long)row[1]!);
        Assert.Equal(0L, (long)row[2]!);
        Assert.Equal(0L, (long)row[3]!);
        Assert.Equal(0L, (long)row[4]!);
    }

    [Fact]
    public async Task DuckDB_reads_the_checkpoint_with_the_protocols_action_structs()
    {
        string root = _folder.File("store");
        var store = new DatasetStore(new LocalObjectStore(root));
        var suite = new SuiteGenerator().Generate(new SuiteRequest("navigation2", 2, 100, "auto", 20, Seed: 5));
        await SuiteDataset.WriteAsync(store, "nav", suite);
        await store.DeleteAsync("nav", RowFilter.Parse($"variant={suite.Training[0].Variant.Variant.Id}"));
        var log = store.Log("nav");
        var snapshot = await log.GetSnapshotAsync(null);
        await log.WriteCheckpointAsync(snapshot);
        string checkpoint = Path.Combine(root, "datasets", "nav", DeltaPath.Checkpoint(snapshot.Version)).Replace('\\', '/');

        var result = duckDb.Query($"""
            SELECT count(add) AS adds, count(remove) AS removes, count(metaData) AS metas, count(protocol) AS protocols,
                   min(protocol.minReaderVersion) AS reader, min(protocol.minWriterVersion) AS writer,
                   count(*) FILTER (WHERE add IS NOT NULL AND add.partitionValues['variant'] IS NOT NULL
                                    AND json_extract(add.stats, '$.numRecords') IS NOT NULL
                                    AND json_extract(add.stats, '$.minValues.variant') IS NULL) AS adds_ok
            FROM read_parquet('{checkpoint}')
            """);
        var row = result.Rows.Single();
        Assert.Equal((long)snapshot.Files.Count, (long)row[0]!);
        Assert.Equal((long)snapshot.Tombstones.Count, (long)row[1]!);
        Assert.True(snapshot.Tombstones.Count > 0);
        Assert.Equal(1L, (long)row[2]!);
        Assert.Equal(1L, (long)row[3]!);
        Assert.Equal(1L, (long)row[4]!);
        Assert.Equal(2L, (long)row[5]!);
        Assert.Equal((long)snapshot.Files.Count, (long)row[6]!);

        var columns = duckDb.Query($"SELECT add, remove, metaData, protocol FROM read_parquet('{checkpoint}') LIMIT 0").Columns;
        Dictionary<string, string> Fields(string action) => columns.Single(c => c.Name == action).Type["fields"]!.AsArray()
            .ToDictionary(f => f!["name"]!.GetValue<string>(), f => Describe(f!["type"]!));
        var add = Fields("add");
        Assert.Equal("VARCHAR", add["path"]);
        Assert.Equal("MAP(VARCHAR,VARCHAR)", add["partitionValues"]);
        Assert.Equal("BIGINT", add["size"]);
        Assert.Equal("BIGINT", add["modificationTime"]);
        Assert.Equal("BOOLEAN", add["dataChange"]);
        Assert.Equal("VARCHAR", add["stats"]);
        Assert.Equal("MAP(VARCHAR,VARCHAR)", add["tags"]);
        var remove = Fields("remove");
        Assert.Equal("BIGINT", remove["deletionTimestamp"]);
        Assert.DoesNotContain("stats", remove.Keys);
        Assert.DoesNotContain("tags", remove.Keys);
        var meta = Fields("metaData");
        Assert.Equal("LIST(VARCHAR)", meta["partitionColumns"]);
        Assert.Equal("MAP(VARCHAR,VARCHAR)", meta["configuration"]);
        Assert.Equal("STRUCT(provider VARCHAR,options MAP(VARCHAR,VARCHAR))", meta["format"]);
        Assert.Equal("INTEGER", Fields("protocol")["minReaderVersion"]);
    }

    private static string Describe(System.Text.Json.Nodes.JsonNode type)
    {
        string id = type["id"]!.GetValue<string>();
        return id switch
        {
            "LIST" => $"LIST({Describe(type["child"]!)})",
            "MAP" => $"MAP({Describe(type["key"]!)},{Describe(type["value"]!)})",
            "STRUCT" => $"STRUCT({string.Join(",", type["fields"]!.AsArray().Select(f => $"{f!["name"]!.GetValue<string>()} {Describe(f["type"]!)}"))})",
            _ => id,
        };
    }

    public void Dispose() => _folder.Dispose();
}
