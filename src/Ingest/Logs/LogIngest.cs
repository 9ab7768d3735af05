namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// Reads a set of log files into one block of validated transitions, destined for ONE dataset
/// version. Rejects the whole set on the first-found errors, or (quarantine) sets bad rows aside.
/// </summary>
public static class LogIngest
{
    public static ILogReader ReaderFor(LogFormat format) => format switch
    {
        LogFormat.Csv => new CsvLogReader(),
        LogFormat.Jsonl => new JsonlLogReader(),
        LogFormat.Parquet => new ParquetLogReader(),
        LogFormat.Hdf5 => new Hdf5LogReader(),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <param name="bytesRead">Receives the running total of bytes read over all files.</param>
    /// <param name="batches">
    /// When given, receives the transitions in batches as they are assembled, so that writing can
    /// overlap reading; the result's Transitions are then empty. Rows handed over are valid, but
    /// the ingest as a whole may still be rejected when this method throws.
    /// </param>
    /// <exception cref="LogRejectedException">Without quarantine, when any row or file is invalid.</exception>
    public static LogIngestResult Read(IReadOnlyList<string> paths, IngestSettings settings, LogFormat format = LogFormat.Auto,
        IProgress<long>? bytesRead = null, CancellationToken ct = default, Action<Transitions.TransitionBatch>? batches = null)
    {
        if (paths.Count == 0) throw new OfflineSafety.Errors.BadInputException("no input files");
        var assembler = new TransitionAssembler(settings, batches);
        long before = 0;
        foreach (var path in paths)
        {
            ct.ThrowIfCancellationRequested();
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var reader = ReaderFor(format == LogFormat.Auto ? LogFormats.Detect(path, stream) : format);
            long offset = before;
            var progress = bytesRead is null ? null : new Progress(n => bytesRead.Report(offset + n));
            reader.Read(stream, path, assembler, progress, ct);
            before += stream.Length;
        }
        return assembler.Finish();
    }

    /// <summary>Total bytes of the inputs, the denominator of a progress bar.</summary>
    public static long TotalBytes(IEnumerable<string> paths) => paths.Sum(p => new FileInfo(p).Length);

    // IProgress<T>'s stock Progress posts to a synchronization context; readers report inline instead.
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
