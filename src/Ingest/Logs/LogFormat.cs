namespace OfflineSafety.Ingest.Logs;

public enum LogFormat
{
    Auto,
    Csv,
    Jsonl,
    Parquet,
    Hdf5,
}

public static class LogFormats
{
    /// <summary>The format of a file: by extension, else by its first bytes (Parquet's or HDF5's magic, a JSON object).</summary>
    public static LogFormat Detect(string path, Stream stream)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        switch (ext)
        {
            case ".csv": return LogFormat.Csv;
            case ".jsonl" or ".ndjson" or ".json": return LogFormat.Jsonl;
            case ".parquet" or ".parq": return LogFormat.Parquet;
            case ".h5" or ".hdf5": return LogFormat.Hdf5;
        }
        if (!stream.CanSeek) return LogFormat.Csv;
        long at = stream.Position;
        Span<byte> head = stackalloc byte[8];
        int n = stream.ReadAtLeast(head, 8, throwOnEndOfStream: false);
        stream.Position = at;
        if (n >= 4 && head[..4].SequenceEqual("PAR1"u8)) return LogFormat.Parquet;
        if (n == 8 && head.SequenceEqual(Hdf5Superblock.Signature)) return LogFormat.Hdf5;
        var text = Utf8Cell.Trim(head[..n]);
        if (text.Length > 0 && text[0] == (byte)'{') return LogFormat.Jsonl;
        return LogFormat.Csv;
    }

    public static LogFormat Parse(string text) => text.ToLowerInvariant() switch
    {
        "auto" => LogFormat.Auto,
        "csv" => LogFormat.Csv,
        "jsonl" or "ndjson" => LogFormat.Jsonl,
        "parquet" => LogFormat.Parquet,
        "hdf5" or "h5" => LogFormat.Hdf5,
        _ => throw new OfflineSafety.Errors.BadInputException($"--format: unknown format '{text}' (auto, csv, jsonl, parquet, hdf5)"),
    };
}
