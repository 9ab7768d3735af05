namespace OfflineSafety.Ingest.Datasets;

/// <summary>What `datasets check` examined and found, in a stable order (data files, log, orphans, staging).</summary>
/// <param name="Version">The version whose data files were verified.</param>
/// <param name="LatestVersion">The version the table-wide checks (checkpoints, orphans) were made against.</param>
public sealed record DatasetCheckResult(
    DatasetVersion Version,
    long LatestVersion,
    int FilesChecked,
    long RowsChecked,
    IReadOnlyList<DatasetFinding> Findings)
{
    /// <summary>Findings still present after this run: not repaired, or not repairable.</summary>
    public IReadOnlyList<DatasetFinding> Remaining => Findings.Where(f => !f.Repaired).ToList();

    public bool Clean => Findings.All(f => f.Repaired);
}
