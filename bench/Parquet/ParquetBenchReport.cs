using OfflineSafety.Bench.Timing;
using Anchors = OfflineSafety.Bench.Anchors;

namespace OfflineSafety.Bench.Parquet;

public sealed record ParquetBenchOptions(long Rows, bool Streaming, int RowGroupRows, bool RunDuckDb, int DuckDbThreads, string WorkDirectory, int Rounds = 5);

/// <summary>One round: our write, full scan and projected scan, then DuckDB's (null without the anchor).</summary>
public sealed record ParquetBenchRound(double WriteSeconds, double ScanSeconds, double ProjectedScanSeconds, Anchors.DuckDbParquetFigures? DuckDb);

/// <summary>
/// Our figures beside DuckDB's from the same run, rounds alternating between the two; each figure is
/// the median over the rounds (with its range), and ratios are ours / DuckDB's medians (below 1 is faster).
/// </summary>
public sealed record ParquetBenchReport(
    long Rows,
    bool Streaming,
    IReadOnlyList<ParquetBenchRound> Rounds,
    long FileBytes,
    int RowGroups,
    PeakMemory WriteMemory,
    long RowGroupBufferBytes)
{
    /// <summary>The columns of the projected scan: a query over labels and returns, the vectors untouched.</summary>
    public static readonly string[] ProjectedColumns = ["episode_id", "reward", "cost", "unsafe"];

    public Spread Write => Over(r => r.WriteSeconds);
    public Spread Scan => Over(r => r.ScanSeconds);
    public Spread ProjectedScan => Over(r => r.ProjectedScanSeconds);

    private bool HasDuckDb => Rounds.Count > 0 && Rounds.All(r => r.DuckDb is not null);
    public Spread? DuckDbWrite => HasDuckDb ? Over(r => r.DuckDb!.WriteSeconds) : null;
    public Spread? DuckDbScan => HasDuckDb ? Over(r => r.DuckDb!.ScanSeconds) : null;
    public Spread? DuckDbProjectedScan => HasDuckDb && Rounds.All(r => r.DuckDb!.ProjectedScanSeconds is not null) ? Over(r => r.DuckDb!.ProjectedScanSeconds!.Value) : null;
    public Spread? DuckDbReadOurs => HasDuckDb && Rounds.All(r => r.DuckDb!.ReadOursSeconds is not null) ? Over(r => r.DuckDb!.ReadOursSeconds!.Value) : null;
    public long? DuckDbFileBytes => HasDuckDb ? Rounds[^1].DuckDb!.FileBytes : null;

    public double WriteSeconds => Write.Median;
    public double ScanSeconds => Scan.Median;
    public double ProjectedScanSeconds => ProjectedScan.Median;

    public double? WriteRatio => WriteSeconds / DuckDbWrite?.Median;
    public double? ScanRatio => ScanSeconds / DuckDbScan?.Median;
    public double? ProjectedScanRatio => ProjectedScanSeconds / DuckDbProjectedScan?.Median;
    public double? FileBytesRatio => (double)FileBytes / DuckDbFileBytes;

    private Spread Over(Func<ParquetBenchRound, double> figure) => Spread.Of(Rounds.Select(figure).ToList());
}
