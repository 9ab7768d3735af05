using OfflineSafety.Errors;

namespace OfflineSafety.Ingest.Datasets.Delta;

/// <summary>
/// A commit lost its race to a concurrent commit that changed something this commit depended on
/// (or ran out of retries). The table is unchanged by the failed commit.
/// </summary>
/// <remarks>A conflict, not a bug: the user retries (or re-reads) and the next attempt sees the winner's state.</remarks>
public sealed class DeltaConflictException(string message) : ConflictException(message);
