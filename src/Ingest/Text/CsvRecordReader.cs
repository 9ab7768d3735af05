using System.Text;

namespace OfflineSafety.Ingest.Text;

/// <summary>
/// The project's one CSV tokenizer (RFC 4180: comma separated, double-quoted fields with "" escapes,
/// LF or CRLF line ends), straight from UTF-8 bytes: one pass over a reused window finds each
/// record and its fields, so no string exists per value. A quote is special only at the start of a
/// field, as in RFC 4180; elsewhere it is text. Records may span lines inside quotes.
/// It never throws for bad quoting: an unclosed quote at the end of input is reported through
/// <see cref="Unterminated"/> and each field keeps its quotes, so each reader decides what bad
/// input means (ingest rejects the row and goes on, conversion to Parquet refuses the file), and
/// <see cref="QuotingProblem"/> words the reason the same way for everyone.
/// </summary>
public sealed class CsvRecordReader(Stream stream, IProgress<long>? progress = null, CancellationToken ct = default)
    : StreamWindow(stream, progress, ct)
{
    private readonly List<Range> _fields = new(64);
    private Range _record;
    private long _nextLine = 1;

    /// <summary>Line on which the current record starts (1-based; the header is line 1).</summary>
    public long RecordLine { get; private set; }

    /// <summary>The current record's last field opens a quote that the input never closes.</summary>
    public bool Unterminated { get; private set; }

    /// <summary>The current record without its line end; empty for a blank line.</summary>
    public ReadOnlySpan<byte> Record => Buffer.AsSpan(_record);

    public int FieldCount => _fields.Count;

    /// <summary>Field <paramref name="index"/> as written, quotes and surrounding spaces included.</summary>
    public ReadOnlySpan<byte> Field(int index) => Buffer.AsSpan(_fields[index]);

    /// <summary>The current record as text (for a rejected row's raw column).</summary>
    public string RecordText() => Encoding.UTF8.GetString(Record.TrimEnd((byte)'\r'));

    /// <summary>Reads the next record, blank lines included (as one empty field); false at end of input.</summary>
    public bool Read()
    {
        while (true)
        {
            if (Start == End && Eof) return false;
            if (TryScan()) return true;
            // The record continues past the window: read more and scan it again from its start.
            Fill();
        }
    }

    /// <summary>Finds the record at <c>Start</c>; false when the window ends before the record does.</summary>
    private bool TryScan()
    {
        _fields.Clear();
        // Most records hold no quote at all: one vectorised search finds the line end, and the
        // fields are what lies between commas. Quotes send the record down the field-wise path.
        int first = Buffer.AsSpan(Start, End - Start).IndexOfAny((byte)'"', (byte)'\n');
        if (first < 0 && !Eof) return false;
        bool plain = first < 0 || Buffer[Start + first] == (byte)'\n';
        int to = first < 0 ? End : Start + first;
        int fieldStart = SplitAtCommas(Start, to);
        if (plain)
        {
            Finish(fieldStart, to, first < 0 ? End : to + 1, quoted: false, unterminated: false);
            return true;
        }
        // The fields before the one holding the first quote are settled; go on field by field.
        return TryScanQuoted(fieldStart);
    }

    /// <summary>Adds the fields that end at commas in [from, to); returns where the next field starts.</summary>
    private int SplitAtCommas(int from, int to)
    {
        while (true)
        {
            int comma = Buffer.AsSpan(from, to - from).IndexOf((byte)',');
            if (comma < 0) return from;
            _fields.Add(new Range(from, from + comma));
            from += comma + 1;
        }
    }

    /// <summary>
    /// Field by field, for a record with a quote somewhere: a quote at a field's start opens a
    /// quoted field, which may hold commas and line ends.
    /// </summary>
    private bool TryScanQuoted(int fieldStart)
    {
        bool quoted = false;
        int pos = fieldStart;
        while (true)
        {
            if (pos < End && Buffer[pos] == (byte)'"')
            {
                quoted = true;
                int close = ClosingQuote(Buffer.AsSpan(pos, End - pos));
                // A quote at the window's edge may be the first half of a "" escape.
                if (!Eof && (close < 0 || pos + close + 1 == End)) return false;
                if (close < 0)
                {
                    Finish(fieldStart, End, End, quoted, unterminated: true);
                    return true;
                }
                pos += close + 1;
            }
            // Unquoted text, or whatever follows a closing quote, runs to the next comma or line end.
            int hit = Buffer.AsSpan(pos, End - pos).IndexOfAny((byte)',', (byte)'\n');
            if (hit < 0)
            {
                if (!Eof) return false;
                Finish(fieldStart, End, End, quoted, unterminated: false);
                return true;
            }
            int at = pos + hit;
            if (Buffer[at] == (byte)'\n')
            {
                Finish(fieldStart, at, at + 1, quoted, unterminated: false);
                return true;
            }
            _fields.Add(new Range(fieldStart, at));
            pos = fieldStart = at + 1;
        }
    }

    private void Finish(int fieldStart, int to, int next, bool quoted, bool unterminated)
    {
        int end = to > Start && Buffer[to - 1] == (byte)'\r' ? to - 1 : to;
        _fields.Add(new Range(fieldStart, Math.Max(fieldStart, end)));
        _record = new Range(Start, end);
        Unterminated = unterminated;
        RecordLine = _nextLine;
        // Newlines inside quotes belong to the record but still advance the file's line count.
        _nextLine += 1 + (quoted ? Buffer.AsSpan(Start, end - Start).Count((byte)'\n') : 0);
        Start = next;
    }

    /// <summary>
    /// Index of the quote closing a field that starts with one (the first quote not doubled), or
    /// -1 when the field never closes.
    /// </summary>
    public static int ClosingQuote(ReadOnlySpan<byte> field)
    {
        int i = 1;
        while (true)
        {
            int q = i < field.Length ? field[i..].IndexOf((byte)'"') : -1;
            if (q < 0) return -1;
            i += q;
            if (i + 1 < field.Length && field[i + 1] == (byte)'"')
            {
                i += 2;
                continue;
            }
            return i;
        }
    }

    /// <summary>
    /// Why a field's quoting breaks RFC 4180 (a quote never closed, or text after the closing
    /// quote), or null when it does not.
    /// </summary>
    public static string? QuotingProblem(ReadOnlySpan<byte> field)
    {
        if (field.IsEmpty || field[0] != (byte)'"') return null;
        int close = ClosingQuote(field);
        if (close < 0) return "quoted field not closed before end of file";
        if (close == field.Length - 1) return null;
        Rune.DecodeFromUtf8(field[(close + 1)..], out var after, out _);
        return $"unexpected '{after}' after a closing quote";
    }

    /// <summary>
    /// The field's text without its enclosing quotes, with doubled quotes undone into
    /// <paramref name="scratch"/>; a field not enclosed in quotes comes back as it is.
    /// </summary>
    public static ReadOnlySpan<byte> Unquote(ReadOnlySpan<byte> field, ref byte[] scratch)
    {
        if (field.Length < 2 || field[0] != (byte)'"' || field[^1] != (byte)'"') return field;
        var t = field[1..^1];
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
}
