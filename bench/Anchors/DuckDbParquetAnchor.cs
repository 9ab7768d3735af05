using System.Text.Json;

namespace OfflineSafety.Bench.Anchors;

/// <summary>DuckDB's figures on the same transition table (bench/scripts/parquet_anchor.mjs).</summary>
public sealed record DuckDbParquetFigures(double WriteSeconds, double ScanSeconds, long FileBytes, double? ReadOursSeconds, double? ProjectedScanSeconds = null);

/// <summary>Runs the DuckDB anchor script with the npm modules of tests/interop.</summary>
public sealed class DuckDbParquetAnchor(string repositoryRoot)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    /// <summary>The checkout holding the running build, else the one around the working directory.</summary>
    public static DuckDbParquetAnchor Locate()
    {
        try
        {
            return new(NodeRuntime.FindRepositoryRoot(AppContext.BaseDirectory));
        }
        catch (InvalidOperationException)
        {
            return new(NodeRuntime.FindRepositoryRoot(Environment.CurrentDirectory));
        }
    }

    public DuckDbParquetFigures Run(long rows, int threads, string file, string? readOurs, CancellationToken ct)
    {
        string interop = Path.Combine(repositoryRoot, "tests", "interop");
        NodeRuntime.EnsureInstalled(interop, "@duckdb/node-api");
        string script = Path.Combine(repositoryRoot, "bench", "scripts", "parquet_anchor.mjs");
        var args = new List<string> { script, "--rows", rows.ToString(), "--threads", threads.ToString(), "--file", file };
        if (readOurs is not null) args.AddRange(["--read", readOurs]);
        var outcome = NodeRuntime.Run("node", args, repositoryRoot, stdin: null, Timeout, ct);
        if (outcome.ExitCode != 0)
            throw new InvalidOperationException($"{script} failed (exit {outcome.ExitCode}): {outcome.Stderr.Trim()}");
        using var json = JsonDocument.Parse(outcome.Stdout);
        var root = json.RootElement;
        return new DuckDbParquetFigures(
            root.GetProperty("write_s").GetDouble(),
            root.GetProperty("scan_s").GetDouble(),
            root.GetProperty("file_bytes").GetInt64(),
            root.TryGetProperty("read_other_s", out var other) ? other.GetDouble() : null,
            root.TryGetProperty("projected_scan_s", out var projected) ? projected.GetDouble() : null);
    }
}
