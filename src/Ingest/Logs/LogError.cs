namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// Why one log row (or a whole file, with <see cref="Row"/> 0) was rejected. Printed as
/// <c>file:row:column: reason</c>, where row is the 1-based line (CSV, JSONL) or row (Parquet).
/// </summary>
public sealed record LogError(string File, long Row, string Column, string Reason)
{
    public override string ToString() => $"{File}:{Row}:{Column}: {Reason}";
}

/// <summary>A rejected row with its raw text, as written to the dataset's <c>_rejects/</c> file.</summary>
public sealed record RejectedRow(LogError Error, string RawText);

/// <summary>
/// The whole ingest was rejected: <see cref="Errors"/> holds the first few errors and
/// <see cref="ErrorCount"/> counts all of them. No dataset version is created.
/// </summary>
public sealed class LogRejectedException(IReadOnlyList<LogError> errors, long errorCount)
    : FormatException(Describe(errors, errorCount))
{
    public IReadOnlyList<LogError> Errors { get; } = errors;
    public long ErrorCount { get; } = errorCount;

    private static string Describe(IReadOnlyList<LogError> errors, long count) =>
        count == 1 ? $"ingest rejected: {errors[0]}"
        : $"ingest rejected: {count} errors, first: {string.Join("; ", errors)}";
}
