namespace OfflineSafety.Pipeline.Conversion;

/// <summary>
/// A row-oriented text file (CSV, JSON lines) read in two passes: one to infer the schema, one
/// to fill typed column blocks. Two passes keep memory to one block however large the file is.
/// </summary>
public interface ITabularSource
{
    string Path { get; }
    TabularSchema InferSchema(CancellationToken ct);
    ITabularBlockReader OpenBlocks(TabularSchema schema);
}

public interface ITabularBlockReader : IDisposable
{
    /// <summary>Clears <paramref name="columns"/> and fills up to <paramref name="maxRows"/> rows; returns the row count (0 at end).</summary>
    int ReadBlock(IReadOnlyList<TabularColumn> columns, int maxRows, CancellationToken ct);
}

public static class TabularSources
{
    /// <summary>The source for a file, chosen by its extension (.csv, .jsonl / .ndjson).</summary>
    public static ITabularSource? ForFile(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => new CsvTableSource(path),
        ".jsonl" or ".ndjson" => new JsonLinesTableSource(path),
        _ => null,
    };
}
