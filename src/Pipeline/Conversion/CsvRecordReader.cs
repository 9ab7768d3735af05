namespace OfflineSafety.Pipeline.Conversion;

/// <summary>
/// Reads RFC 4180 records (comma separated, double-quoted fields with "" escapes, LF or CRLF
/// line ends) one at a time into a reused buffer, so cells are spans, not strings.
/// </summary>
public sealed class CsvRecordReader : IDisposable
{
    private readonly TextReader _reader;
    private readonly string _path;
    private readonly char[] _input = new char[64 * 1024];
    private int _inputPos;
    private int _inputEnd;
    private char[] _record = new char[1024];
    private int _recordLength;
    private readonly List<(int Start, int Length)> _fields = [];
    private long _line = 1;

    public CsvRecordReader(TextReader reader, string path)
    {
        _reader = reader;
        _path = path;
    }

    /// <summary>Line on which the current record starts (1-based; the header is line 1).</summary>
    public long RecordLine { get; private set; }

    public int FieldCount => _fields.Count;

    public ReadOnlySpan<char> this[int field]
    {
        get
        {
            var (start, length) = _fields[field];
            return _record.AsSpan(start, length);
        }
    }

    /// <summary>Reads the next record; false at end of input. Blank lines are skipped.</summary>
    public bool Read()
    {
        while (true)
        {
            RecordLine = _line;
            _recordLength = 0;
            _fields.Clear();
            int first = Peek();
            if (first < 0) return false;
            if (first == '\n' || first == '\r')
            {
                SkipLineEnd();
                continue;
            }
            ReadRecord();
            return true;
        }
    }

    private void ReadRecord()
    {
        while (true)
        {
            int fieldStart = _recordLength;
            int c = Peek();
            if (c == '"')
            {
                Next();
                ReadQuoted();
                c = Peek();
                if (c >= 0 && c != ',' && c != '\n' && c != '\r')
                    throw Error(RecordLine, $"field {_fields.Count + 1}: unexpected '{(char)c}' after a closing quote");
            }
            else
            {
                while (c >= 0 && c != ',' && c != '\n' && c != '\r')
                {
                    Append((char)Next());
                    c = Peek();
                }
            }
            _fields.Add((fieldStart, _recordLength - fieldStart));
            if (c == ',')
            {
                Next();
                continue;
            }
            if (c >= 0) SkipLineEnd();
            return;
        }
    }

    private void ReadQuoted()
    {
        while (true)
        {
            int c = Next();
            if (c < 0) throw Error(RecordLine, $"field {_fields.Count + 1}: quoted field not closed before end of file");
            if (c == '"')
            {
                if (Peek() != '"') return;
                Next();
            }
            else if (c == '\n')
            {
                _line++;
            }
            Append((char)c);
        }
    }

    private void SkipLineEnd()
    {
        if (Next() == '\r' && Peek() == '\n') Next();
        _line++;
    }

    private void Append(char c)
    {
        if (_recordLength == _record.Length) Array.Resize(ref _record, _record.Length * 2);
        _record[_recordLength++] = c;
    }

    private int Peek()
    {
        if (_inputPos == _inputEnd && !Fill()) return -1;
        return _input[_inputPos];
    }

    private int Next()
    {
        if (_inputPos == _inputEnd && !Fill()) return -1;
        return _input[_inputPos++];
    }

    private bool Fill()
    {
        _inputEnd = _reader.Read(_input, 0, _input.Length);
        _inputPos = 0;
        return _inputEnd > 0;
    }

    public InvalidDataException Error(long line, string reason) => new($"{_path}: line {line}: {reason}");

    public void Dispose() => _reader.Dispose();
}
