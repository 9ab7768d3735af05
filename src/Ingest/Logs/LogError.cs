namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// Why one log row (or a whole file, with <see cref="Row"/> 0) was rejected. Printed as
/// <c>file:row:column: reason</c>, where row is the 1-based line (CSV, JSONL) or row (Parquet).
/// </summary>
public sealed record LogError(string File, long Row, string Column, string Reason)
{
    /// <summary>
    /// One line: control characters a file smuggled into a column name or reason show as '?'.
    /// Column names are cut to 80 characters and reasons to 400, so a file cannot make an error line long.
    /// </summary>
    public override string ToString() => OneLine($"{File}:{Row}:{Cut(Column, 80)}: {Cut(Reason, 400)}");

    private static string Cut(string text, int max) => text.Length <= max ? text : $"{text[..max]}… ({text.Length} characters)";

    internal static string OneLine(string text) =>
        text.AsSpan().IndexOfAnyInRange('\0', '\u001f') < 0 && !text.Contains('\u007f') ? text
            : string.Create(text.Length, text, (dst, src) =>
            {
                for (int i = 0; i < src.Length; i++) dst[i] = char.IsControl(src[i]) ? '?' : src[i];
            });
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
