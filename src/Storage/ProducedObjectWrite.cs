using System.IO.Pipelines;

namespace OfflineSafety.Storage;

/// <summary>
/// Writes an object whose bytes a synchronous encoder produces (a Parquet writer, row group by row
/// group) while the store is already taking them in: on a blob store the first blocks go up while
/// later row groups are still being encoded, instead of the upload starting only once the whole
/// file sits in memory. The write keeps the store's all-or-nothing guarantee: if the encoder fails,
/// the upload fails with it and nothing becomes visible.
/// </summary>
public static class ProducedObjectWrite
{
    /// <summary>
    /// How far the encoder may run ahead of the upload: two of the blob store's blocks, so one can
    /// be in flight while the next fills, and memory stays bounded whatever the object's size.
    /// </summary>
    private const long AheadBytes = 2L * AzureBlobStore.BlockBytes;

    /// <summary>
    /// Runs <paramref name="produce"/> on its own thread, streaming what it writes into
    /// <see cref="IObjectStore.WriteAsync"/>; returns the object's length. An encoder failure is
    /// rethrown as itself (a user error stays a user error); a store failure cancels the encoder.
    /// </summary>
    public static async Task<long> WriteProducedAsync(this IObjectStore store, string key, Action<Stream, CancellationToken> produce,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(produce);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: AheadBytes, resumeWriterThreshold: AheadBytes / 2,
            minimumSegmentSize: 64 << 10, useSynchronizationContext: false));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // A dedicated thread: the encoder blocks on the pipe when it runs ahead, and must not hold a pool thread to do so.
        var producer = Task.Factory.StartNew(() => Produce(pipe.Writer, produce, stop.Token), stop.Token,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await using var content = pipe.Reader.AsStream();
            await store.WriteAsync(key, content, stop.Token).ConfigureAwait(false);
        }
        catch (Exception uploadFailure)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await pipe.Reader.CompleteAsync(uploadFailure).ConfigureAwait(false);
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (Exception encoderFailure) when (encoderFailure is not OperationCanceledException)
            {
                // The encoder failed first and the upload only saw the pipe break: report the cause.
                throw;
            }
            catch (OperationCanceledException)
            {
            }
            throw;
        }
        return await producer.ConfigureAwait(false);
    }

    private static long Produce(PipeWriter writer, Action<Stream, CancellationToken> produce, CancellationToken ct)
    {
        try
        {
            using var output = new CountingStream(writer.AsStream(leaveOpen: true));
            produce(output, ct);
            output.Flush();
            writer.Complete();
            return output.Written;
        }
        catch (Exception e)
        {
            writer.Complete(e);
            throw;
        }
    }

    /// <summary>Counts the bytes on their way through, for the object's length without a second pass.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
