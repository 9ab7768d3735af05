using System.Text.Json.Nodes;
using OfflineSafety.Bench.Cli;
using OfflineSafety.Interop.Tests.Peers;

namespace OfflineSafety.Interop.Tests.Cli;

/// <summary>`offsafe-bench parquet` runs end to end on a small table (figures are not asserted: benchmarks are commands).</summary>
[Collection(DuckDbCollection.Name)]
public sealed class BenchCommandTests(DuckDbPeer duckDb) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Bench_parquet_reports_ours_beside_duckdb_and_leaves_a_readable_file()
    {
        var outcome = OffsafeInProcess.Run(BenchCommands.Create(), "parquet", "--rows", "2000", "--row-group-rows", "500", "--dir", _folder.Path, "--json");

        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        var report = JsonNode.Parse(outcome.Stdout)!;
        Assert.Equal(4, report["row_groups"]!.GetValue<int>());
        Assert.Equal(new FileInfo(_folder.File("ours.parquet")).Length, report["file_bytes"]!.GetValue<long>());
        foreach (var key in new[] { "write_s", "scan_s", "projected_scan_s", "read_ours_s", "file_bytes" })
            Assert.True(report["duckdb"]![key]!.GetValue<double>() > 0, key);
        Assert.True(report["projected_scan_s"]!.GetValue<double>() > 0);
        Assert.True(report["ratios"]!["scan"]!.GetValue<double>() > 0);
        Assert.True(report["ratios"]!["projected_scan"]!.GetValue<double>() > 0);
        var counts = duckDb.Query($"SELECT count(*) AS n, count(DISTINCT variant) AS variants, sum(len(obs)) AS obs FROM '{_folder.File("ours.parquet")}'");
        Assert.Equal("[2000,20,34000]", counts.Rows.Single().ToJsonString());
    }
}
