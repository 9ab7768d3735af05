using System.Text;

namespace OfflineSafety.Ingest.Text;

/// <summary>
/// Reads a UTF-8 stream line by line as byte spans into one reused window (JSON Lines for ingest
/// and for conversion to Parquet). A line loses its LF or CRLF; the span is valid until the next read.
/// </summary>
public sealed class Utf8LineReader(Stream stream, IProgress<long>? progress = null, CancellationToken ct = default)
    : StreamWindow(stream, progress, ct)
{
    private Range _current;

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>The next line without its LF / CRLF; false at end of input.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        int scanned = Start;
        while (true)
        {
            int hit = Buffer.AsSpan(scanned, End - scanned).IndexOf((byte)'\n');
            if (hit >= 0)
            {
                Take(scanned + hit, scanned + hit + 1, out line);
                return true;
            }
            if (Eof)
            {
                if (Start == End) { line = default; return false; }
                Take(End, End, out line);
                return true;
            }
            // Only the bytes read next are new: resume the search where it stopped. Refilling moves
            // the live bytes left by the old Start; skipping a byte order mark moves only Start.
            int before = Start, searched = End;
            Fill();
            scanned = Math.Max(Start, searched - before);
        }
    }

    /// <summary>The line last returned, as text (for a rejected row's raw column).</summary>
    public string LineText() => Encoding.UTF8.GetString(Buffer.AsSpan(_current));

    private void Take(int to, int next, out ReadOnlySpan<byte> line)
    {
        int end = to > Start && Buffer[to - 1] == (byte)'\r' ? to - 1 : to;
        _current = new Range(Start, end);
        line = Buffer.AsSpan(Start, end - Start);
        Start = next;
        LineNumber++;
    }
}
