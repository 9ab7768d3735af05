namespace OfflineSafety.Parquet;

/// <summary>
/// The one exception raised for malformed Parquet input (truncated file, bad magic, corrupt
/// Thrift, lengths past the end, bad levels or bit widths, dictionary index out of range).
/// It derives from <see cref="IOException"/> (<see cref="InvalidDataException"/> is sealed) so that
/// callers that treat bad input files generically (the CLI's one-line error handler) catch it
/// without knowing Parquet.
/// </summary>
public sealed class ParquetFormatException : IOException
{
    public ParquetFormatException(string reason, string? file = null, long? offset = null, string? column = null, Exception? inner = null)
        : base(Describe(reason, file, offset, column), inner)
    {
        Reason = reason;
        File = file;
        Offset = offset;
        Column = column;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }

    /// <summary>The file being read, when known.</summary>
    public string? File { get; }

    /// <summary>Byte offset in the file where the problem was found, when known.</summary>
    public long? Offset { get; }

    /// <summary>Dotted path of the column being decoded, when known.</summary>
    public string? Column { get; }

    private static string Describe(string reason, string? file, long? offset, string? column)
    {
        var where = new List<string>(3);
        if (file is not null) where.Add(file);
        if (offset is not null) where.Add($"offset {offset}");
        if (column is not null) where.Add($"column {column}");
        return where.Count == 0 ? $"invalid Parquet: {reason}" : $"invalid Parquet ({string.Join(", ", where)}): {reason}";
    }
}
