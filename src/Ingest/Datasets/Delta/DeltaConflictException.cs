namespace OfflineSafety.Ingest.Datasets.Delta;

/// <summary>
/// A commit lost its race to a concurrent commit that changed something this commit depended on
/// (or ran out of retries). The table is unchanged by the failed commit.
/// </summary>
public sealed class DeltaConflictException(string message) : InvalidOperationException(message);
