namespace OfflineSafety.Ingest.Text;

/// <summary>
/// A growing byte window over a UTF-8 text stream, under the CSV tokenizer and the line reader: it
/// keeps the unconsumed tail when refilling, doubles when a single record outgrows it, skips a UTF-8
/// byte order mark, and reports bytes read for a progress bar. Disposing it disposes the stream;
/// readers handed a stream they do not own simply never dispose the window.
/// </summary>
public abstract class StreamWindow(Stream stream, IProgress<long>? progress, CancellationToken ct) : IDisposable
{
    protected byte[] Buffer = new byte[1 << 20];
    protected int Start, End;
    protected bool Eof;
    private bool _bomChecked;
    private long _consumed;

    /// <summary>Moves the live bytes to the front and reads more; sets <see cref="Eof"/> at the end of the stream.</summary>
    protected void Fill()
    {
        ct.ThrowIfCancellationRequested();
        int live = End - Start;
        if (Start > 0)
        {
            // Bytes were consumed, so the window no longer starts at the stream's start.
            _bomChecked = true;
            System.Buffer.BlockCopy(Buffer, Start, Buffer, 0, live);
            Start = 0;
            End = live;
        }
        if (End == Buffer.Length) Array.Resize(ref Buffer, Buffer.Length * 2);
        int read = stream.Read(Buffer, End, Buffer.Length - End);
        if (read == 0) { Eof = true; return; }
        End += read;
        // A UTF-8 byte order mark is not part of the first record; it is judged once three bytes
        // are in, however few the stream hands out per read.
        if (!_bomChecked && End >= 3)
        {
            _bomChecked = true;
            if (Buffer[0] == 0xEF && Buffer[1] == 0xBB && Buffer[2] == 0xBF) Start = 3;
        }
        _consumed += read;
        progress?.Report(_consumed);
    }

    public void Dispose()
    {
        stream.Dispose();
        GC.SuppressFinalize(this);
    }
}
