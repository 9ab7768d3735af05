namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// A growing byte window over a text log stream, shared by the CSV and JSONL scanners: it keeps the
/// unconsumed tail when refilling, doubles when a single record outgrows it, skips a UTF-8 byte
/// order mark, and reports bytes read for the progress bar.
/// </summary>
internal abstract class StreamWindow(Stream stream, IProgress<long>? progress, CancellationToken ct)
{
    protected byte[] Buffer = new byte[1 << 20];
    protected int Start, End;
    protected bool Eof;
    private bool _first = true;
    private long _consumed;

    /// <summary>Moves the live bytes to the front and reads more; sets <see cref="Eof"/> at the end of the stream.</summary>
    protected void Fill()
    {
        ct.ThrowIfCancellationRequested();
        int live = End - Start;
        if (Start > 0)
        {
            System.Buffer.BlockCopy(Buffer, Start, Buffer, 0, live);
            Start = 0;
            End = live;
        }
        if (End == Buffer.Length) Array.Resize(ref Buffer, Buffer.Length * 2);
        int read = stream.Read(Buffer, End, Buffer.Length - End);
        if (read == 0) { Eof = true; return; }
        if (_first)
        {
            _first = false;
            // A UTF-8 byte order mark is not part of the first record.
            if (read >= 3 && Buffer[0] == 0xEF && Buffer[1] == 0xBB && Buffer[2] == 0xBF) Start = 3;
        }
        End += read;
        _consumed += read;
        progress?.Report(_consumed);
    }
}
