using System.Text;

namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// Reads RFC 4180 CSV with a header row, straight from UTF-8 bytes: fields are sliced out of one
/// reusable buffer and numbers parsed from those slices, so no string exists per value.
/// Vectors are flattened columns (obs_0, obs_1, ...) or one cell holding a JSON array ("[0.1, 0.2]").
/// Row numbers in errors are 1-based line numbers of the record's first line (the header is line 1).
/// </summary>
public sealed class CsvLogReader : ILogReader
{

    public void Read(Stream stream, string file, TransitionAssembler sink, IProgress<long>? bytesRead, CancellationToken ct)
    {
        var scan = new RecordScanner(stream, bytesRead, ct);
        var fields = new List<Range>(64);
        var scratch = new byte[256];
        sink.BeginFile(file);

        if (!scan.Next(out var header, out long headerLine, out bool unterminated))
            throw TransitionAssembler.FileError(file, "(header)", "empty file: a header row is expected");
        if (unterminated) throw TransitionAssembler.FileError(file, "(header)", "unterminated quoted field in the header");
        Split(header, fields);
        var names = new List<string>(fields.Count);
        foreach (var r in fields) names.Add(Encoding.UTF8.GetString(Unquote(header[r], ref scratch)).Trim());
        var binding = ColumnBinding.Bind(names, file, sink);

        var row = new LogRow { File = file, Text = scan };
        var variants = new TextInterner();
        var sources = new TextInterner();
        while (scan.Next(out var record, out long line, out unterminated))
        {
            if (IsBlank(record)) continue;
            row.Begin(line);
            binding.Reset(row);
            if (unterminated) row.Fail("(row)", "unterminated quoted field (a '\"' opens a field that never closes)");
            Split(record, fields);
            int n = Math.Min(fields.Count, names.Count);
            for (int c = 0; c < n; c++)
            {
                int field = binding.Fields[c];
                if (field == ColumnBinding.Ignored) continue;
                var cell = Utf8Cell.Trim(Unquote(record[fields[c]], ref scratch));
                if (cell.IsEmpty) continue;
                Utf8Cell.ReadInto(row, (LogField)field, binding.Elements[c], names[c], cell, variants, sources);
            }
            if (fields.Count < names.Count)
                row.Fail(names[fields.Count], $"missing field: the row has {fields.Count} fields, the header {names.Count}");
            else if (fields.Count > names.Count)
                row.Fail($"#{names.Count + 1}", $"extra field: the row has {fields.Count} fields, the header {names.Count}");
            sink.Accept(row);
        }
        sink.EndFile();
    }

    private static bool IsBlank(ReadOnlySpan<byte> record) => Utf8Cell.Trim(record).IsEmpty;

    /// <summary>Splits a record at commas outside quotes; ranges still include the quotes.</summary>
    private static void Split(ReadOnlySpan<byte> record, List<Range> fields)
    {
        fields.Clear();
        int start = 0;
        while (true)
        {
            int i = start;
            if (i < record.Length && record[i] == (byte)'"')
            {
                // A quoted field ends at the quote not followed by another quote.
                i++;
                while (i < record.Length)
                {
                    int q = record[i..].IndexOf((byte)'"');
                    if (q < 0) { i = record.Length; break; }
                    i += q + 1;
                    if (i < record.Length && record[i] == (byte)'"') { i++; continue; }
                    break;
                }
            }
            int comma = record[i..].IndexOf((byte)',');
            if (comma < 0)
            {
                fields.Add(new Range(start, record.Length));
                return;
            }
            fields.Add(new Range(start, i + comma));
            start = i + comma + 1;
        }
    }

    /// <summary>The field's text without its quotes; doubled quotes are undone into <paramref name="scratch"/>.</summary>
    private static ReadOnlySpan<byte> Unquote(ReadOnlySpan<byte> field, ref byte[] scratch)
    {
        var t = Utf8Cell.Trim(field);
        if (t.Length < 2 || t[0] != (byte)'"' || t[^1] != (byte)'"') return field;
        t = t[1..^1];
        if (t.IndexOf((byte)'"') < 0) return t;
        if (scratch.Length < t.Length) scratch = new byte[t.Length * 2];
        int n = 0;
        for (int i = 0; i < t.Length; i++)
        {
            scratch[n++] = t[i];
            if (t[i] == (byte)'"' && i + 1 < t.Length && t[i + 1] == (byte)'"') i++;
        }
        return scratch.AsSpan(0, n);
    }

    /// <summary>
    /// Finds records (which may span lines inside quotes) in a growing window over the stream, and
    /// remembers the current one so a rejected row's raw text can be built on demand.
    /// </summary>
    private sealed class RecordScanner(Stream stream, IProgress<long>? progress, CancellationToken ct)
        : StreamWindow(stream, progress, ct), IRawRowText
    {
        private long _line = 1;
        private Range _current;

        public bool Next(out ReadOnlySpan<byte> record, out long line, out bool unterminated)
        {
            int scanned = Start;
            bool inQuotes = false, quoted = false;
            while (true)
            {
                var window = Buffer.AsSpan(scanned, End - scanned);
                int hit = inQuotes ? window.IndexOf((byte)'"') : window.IndexOfAny((byte)'"', (byte)'\n');
                if (hit >= 0)
                {
                    int at = scanned + hit;
                    scanned = at + 1;
                    if (Buffer[at] == (byte)'"')
                    {
                        inQuotes = !inQuotes;
                        quoted = true;
                        continue;
                    }
                    // A newline outside quotes ends the record.
                    Finish(at, at + 1, quoted, out record, out line);
                    unterminated = false;
                    return true;
                }
                if (Eof)
                {
                    unterminated = inQuotes;
                    if (Start == End) { record = default; line = _line; return false; }
                    Finish(End, End, quoted, out record, out line);
                    return true;
                }
                // The record continues past the window: read more and scan it again from its start.
                Fill();
                scanned = Start;
                inQuotes = quoted = false;
            }
        }

        public string RawText() => Encoding.UTF8.GetString(Buffer.AsSpan(_current).TrimEnd((byte)'\r'));

        private void Finish(int to, int next, bool quoted, out ReadOnlySpan<byte> record, out long line)
        {
            int from = Start;
            int end = to > from && Buffer[to - 1] == (byte)'\r' ? to - 1 : to;
            _current = new Range(from, end);
            record = Buffer.AsSpan(from, end - from);
            line = _line;
            // Newlines inside quotes belong to the record but still advance the file's line count.
            _line += 1 + (quoted ? record.Count((byte)'\n') : 0);
            Start = next;
        }
    }
}
