using System.Collections.Concurrent;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Storage;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>The data files of one version, written but not yet committed, and the rows they hold.</summary>
internal sealed record WrittenFiles(List<AddFile> Files, long Rows);

/// <summary>
/// Writes a version's data files while its rows are still being read: a reader hands over batches
/// as it assembles them, each variant's file is encoded on its own thread and goes into the store
/// as it grows (blocks on a blob store), so reading, encoding and upload overlap. The files are
/// the ones <see cref="TransitionDataFiles.WriteAsync"/> writes for the whole batch at once: one
/// per variant, same row groups, same stats.
/// </summary>
/// <remarks>
/// No file becomes visible before the reader has finished without error: a file's last bytes (its
/// footer) go out only then, and a store publishes an object only once its content ends. A reader
/// failure (a rejected log) aborts every upload, so nothing is left behind, not even an
/// unreferenced file.
/// </remarks>
internal sealed class StreamedDataFiles
{
    /// <summary>
    /// Variants whose files are streamed; the rows of further variants are held and written after
    /// reading, as before. Each streamed file has its own encoder thread and upload buffers, so a
    /// log with many variants must not open them all at once.
    /// </summary>
    private const int MaxStreamedFiles = 4;

    /// <summary>Batches a file's encoder may fall behind by before the reader waits: memory stays near a few batches.</summary>
    private const int QueuedBatches = 4;

    private readonly DeltaLog _log;
    private readonly CancellationTokenSource _abort;
    private readonly Dictionary<string, Part> _parts = new(StringComparer.Ordinal);

    private StreamedDataFiles(DeltaLog log, CancellationToken ct)
    {
        _log = log;
        _abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
    }

    /// <summary>
    /// Runs <paramref name="read"/> on its own thread, writing the batches it hands to its argument
    /// as they come. Returns what it returned and the files, written but not committed. When it
    /// throws, every upload is abandoned and its exception propagates (a store failure wins over
    /// the cancellation it caused in the reader).
    /// </summary>
    public static async Task<(T Result, WrittenFiles Written)> WriteWhileReadingAsync<T>(DeltaLog log, Func<Action<TransitionBatch>, T> read,
        CancellationToken ct)
    {
        var files = new StreamedDataFiles(log, ct);
        try
        {
            // A dedicated thread: the reader blocks when the encoders fall behind, and must not hold a pool thread to do so.
            var result = await Task.Factory.StartNew(() => read(files.Add), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
            return (result, await files.CompleteAsync(ct).ConfigureAwait(false));
        }
        catch (Exception readFailure)
        {
            var storeFailure = await files.AbortAsync().ConfigureAwait(false);
            if (readFailure is OperationCanceledException && !ct.IsCancellationRequested && storeFailure is not null)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(storeFailure);
            throw;
        }
        finally
        {
            files.Dispose();
        }
    }

    /// <summary>Takes one batch from the reader; blocks while the encoders are <see cref="QueuedBatches"/> behind.</summary>
    private void Add(TransitionBatch batch)
    {
        foreach (var (variant, rows) in TransitionDataFiles.ByVariant(batch))
        {
            if (!_parts.TryGetValue(variant, out var part))
                _parts[variant] = part = _parts.Count < MaxStreamedFiles ? Streamed(variant, rows) : new Part(variant, Held: new TransitionBatch(rows.ObsDim, rows.ActDim, rows.Count));
            part.Stats.Add(rows);
            if (part.Held is { } held) held.AddRange(rows);
            else part.Queue!.Add(rows, _abort.Token);
        }
    }

    private Part Streamed(string variant, TransitionBatch first)
    {
        var queue = new BlockingCollection<TransitionBatch>(QueuedBatches);
        string relative = TransitionDataFiles.NewRelativePath(variant);
        var token = _abort.Token;
        var upload = _log.Store.WriteProducedAsync(_log.Key(relative), (output, c) =>
        {
            var writer = new TransitionParquet.PartitionFileWriter(output, first.ObsDim, first.ActDim);
            // Cancelled when reading fails: the encoder throws before the footer, so the store discards the object.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(c, token);
            foreach (var batch in queue.GetConsumingEnumerable(stop.Token)) writer.Write(batch, stop.Token);
            writer.Close();
        }, token);
        // A store that fails while the reader is still going must not leave it waiting on a full queue.
        _ = upload.ContinueWith(_ =>
        {
            try { _abort.Cancel(); }
            catch (ObjectDisposedException) { } // the write already ended and the failure was collected
        }, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return new Part(variant, Queue: queue) { Relative = relative, Upload = upload };
    }

    private async Task<WrittenFiles> CompleteAsync(CancellationToken ct)
    {
        foreach (var part in _parts.Values) part.Queue?.CompleteAdding();
        var files = new List<AddFile>(_parts.Count);
        long rows = 0;
        foreach (var part in _parts.Values.OrderBy(p => p.Variant, StringComparer.Ordinal))
        {
            if (part.Held is { } held)
            {
                files.AddRange(await TransitionDataFiles.WriteAsync(_log, held, ct).ConfigureAwait(false));
            }
            else
            {
                long size = await part.Upload!.ConfigureAwait(false);
                files.Add(TransitionDataFiles.Added(part.Relative!, part.Variant, size, part.Stats));
            }
            rows += part.Stats.Rows;
        }
        return new WrittenFiles(files, rows);
    }

    /// <summary>Stops every encoder before its footer and waits for the uploads to give up; returns the first store failure, if any.</summary>
    private async Task<Exception?> AbortAsync()
    {
        await _abort.CancelAsync().ConfigureAwait(false);
        Exception? storeFailure = null;
        foreach (var part in _parts.Values)
        {
            if (part.Upload is null) continue;
            try
            {
                await part.Upload.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e)
            {
                storeFailure ??= e;
            }
        }
        return storeFailure;
    }

    private void Dispose()
    {
        foreach (var part in _parts.Values) part.Queue?.Dispose();
        _abort.Dispose();
    }

    /// <summary>One variant's file: streamed (a queue feeding its encoder, and the upload) or held in memory until reading ends.</summary>
    private sealed record Part(string Variant, BlockingCollection<TransitionBatch>? Queue = null, TransitionBatch? Held = null)
    {
        public TransitionFileStats.Accumulator Stats { get; } = new();
        public string? Relative { get; init; }
        public Task<long>? Upload { get; init; }
    }
}
