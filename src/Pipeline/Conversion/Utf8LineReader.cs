namespace OfflineSafety.Pipeline.Conversion;

/// <summary>Reads a UTF-8 file line by line as byte spans into one reused buffer.</summary>
public sealed class Utf8LineReader(Stream stream) : IDisposable
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>The next line without its LF / CRLF; false at end of input.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        int searched = 0;
        while (true)
        {
            int newline = _buffer.AsSpan(_start + searched, _end - _start - searched).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                int length = searched + newline;
                line = TrimCarriageReturn(_buffer.AsSpan(_start, length));
                _start += length + 1;
                LineNumber++;
                return true;
            }
            searched = _end - _start;
            if (_eof)
            {
                if (_start == _end)
                {
                    line = default;
                    return false;
                }
                line = TrimCarriageReturn(_buffer.AsSpan(_start, _end - _start));
                _start = _end;
                LineNumber++;
                return true;
            }
            Fill();
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        int read = stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        _end += read;
    }

    private static ReadOnlySpan<byte> TrimCarriageReturn(ReadOnlySpan<byte> line) =>
        line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;

    public void Dispose() => stream.Dispose();
}
