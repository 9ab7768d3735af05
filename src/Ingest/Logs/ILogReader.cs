namespace OfflineSafety.Ingest.Logs;

/// <summary>Reads every row of one log file, in file order, into an assembler.</summary>
public interface ILogReader
{
    /// <param name="stream">The file's bytes (seekable for formats that index from the end, e.g. Parquet).</param>
    /// <param name="file">The name errors and notes use for this file.</param>
    /// <param name="bytesRead">Receives the running count of bytes consumed, for progress bars.</param>
    void Read(Stream stream, string file, TransitionAssembler sink, IProgress<long>? bytesRead, CancellationToken ct);
}
