namespace OfflineSafety.Ingest.Logs;

/// <summary>How to read a set of log files into one dataset version.</summary>
/// <param name="Map">Which column supplies each field (presets and name=column pairs).</param>
/// <param name="Variant">Variant for rows without a variant column (default "default").</param>
/// <param name="Source">Source for rows without a source column (default: the file name).</param>
/// <param name="ObsDim">Observation dimension from dataset metadata; inferred from the first row when null.</param>
/// <param name="ActDim">Action dimension from dataset metadata; inferred from the first row when null.</param>
/// <param name="Quarantine">Keep valid rows and return rejected ones instead of rejecting the whole ingest.</param>
/// <param name="FirstEpisodeId">First id given to episodes derived from terminal/truncated splits.</param>
/// <param name="ReportedErrors">How many errors a rejected ingest lists (all are counted).</param>
public sealed record IngestSettings(
    FieldMap Map,
    string? Variant = null,
    string? Source = null,
    int? ObsDim = null,
    int? ActDim = null,
    bool Quarantine = false,
    long FirstEpisodeId = 0,
    int ReportedErrors = 5)
{
    public const string DefaultVariant = "default";
}
