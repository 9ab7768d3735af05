using Anchors = OfflineSafety.Bench.Anchors;

namespace OfflineSafety.Bench.Parquet;

public sealed record ParquetBenchOptions(long Rows, bool Streaming, int RowGroupRows, bool RunDuckDb, int DuckDbThreads, string WorkDirectory);

/// <summary>Our figures beside DuckDB's from the same run; ratios are ours / DuckDB's (below 1 is faster).</summary>
public sealed record ParquetBenchReport(
    long Rows,
    bool Streaming,
    double WriteSeconds,
    double ScanSeconds,
    long FileBytes,
    int RowGroups,
    PeakMemory WriteMemory,
    long RowGroupBufferBytes,
    Anchors.DuckDbParquetFigures? DuckDb,
    double ProjectedScanSeconds = double.NaN)
{
    /// <summary>The columns of the projected scan: a query over labels and returns, the vectors untouched.</summary>
    public static readonly string[] ProjectedColumns = ["episode_id", "reward", "cost", "unsafe"];
    public double? ProjectedScanRatio => DuckDb?.ProjectedScanSeconds is double d ? ProjectedScanSeconds / d : null;

    public double? WriteRatio => DuckDb is null ? null : WriteSeconds / DuckDb.WriteSeconds;
    public double? ScanRatio => DuckDb is null ? null : ScanSeconds / DuckDb.ScanSeconds;
    public double? FileBytesRatio => DuckDb is null ? null : (double)FileBytes / DuckDb.FileBytes;
}
