using System.Text;
using System.Text.Json;

namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// Reads JSON Lines: one object per line, vectors as arrays ("obs": [0.1, 0.2]) or flattened keys
/// ("obs_0": 0.1). Each line is parsed in place with <see cref="Utf8JsonReader"/>, so no string or
/// document exists per value. Row numbers in errors are 1-based line numbers.
/// </summary>
public sealed class JsonlLogReader : ILogReader
{
    public void Read(Stream stream, string file, TransitionAssembler sink, IProgress<long>? bytesRead, CancellationToken ct)
    {
        sink.BeginFile(file);
        var lines = new LineScanner(stream, bytesRead, ct);
        var row = new LogRow { File = file, Text = lines };
        var parse = new LineParser(sink.Map, sink);
        long number = 0;
        while (lines.Next(out var line))
        {
            number++;
            if (Utf8Cell.Trim(line).IsEmpty) continue;
            row.Begin(number);
            row.Obs.ResetArray();
            row.Action.ResetArray();
            row.NextObs.ResetArray();
            parse.Parse(line, row);
            sink.Accept(row);
        }
        sink.EndFile();
    }

    private sealed class LineParser(FieldMap map, TransitionAssembler sink)
    {
        private readonly TextInterner _variants = new();
        private readonly TextInterner _sources = new();
        private readonly List<byte[]> _ignored = [];
        private readonly List<string>[] _flattenedNames = [[], [], []];

        /// <summary>Column names for errors, built once per flattened element rather than once per value.</summary>
        private string ColumnName(LogField field, int element)
        {
            if (element < 0) return map.Column(field);
            var names = _flattenedNames[field - LogField.Obs];
            while (names.Count <= element) names.Add($"{map.Column(field)}_{names.Count}");
            return names[element];
        }

        public void Parse(ReadOnlySpan<byte> line, LogRow row)
        {
            var json = new Utf8JsonReader(line);
            LogField? current = null;
            int currentElement = -1;
            try
            {
                if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
                {
                    row.Fail("(line)", "expected a JSON object");
                    return;
                }
                while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
                {
                    current = null;
                    bool known = json.ValueIsEscaped
                        ? map.TryResolve(json.GetString()!, out var field, out int element)
                        : map.TryResolve(json.ValueSpan, out field, out element);
                    if (known && element >= 0 && !LogFields.IsVector(field)) known = false;
                    if (!known)
                    {
                        NoteIgnored(ref json);
                        json.Read();
                        json.Skip();
                        continue;
                    }
                    (current, currentElement) = (field, element);
                    json.Read();
                    ReadValue(ref json, row, field, element, ColumnName(field, element));
                }
            }
            catch (JsonException ex)
            {
                // Python's json writes NaN and Infinity bare, which JSON does not allow; name them plainly.
                var rest = line[(int)Math.Min(json.BytesConsumed, line.Length)..];
                bool nonFinite = rest.IndexOf("NaN"u8) >= 0 || rest.IndexOf("Infinity"u8) >= 0;
                row.Fail(current is { } f ? ColumnName(f, currentElement) : "(line)", nonFinite ? "not finite (NaN or Infinity)" : $"malformed JSON: {ex.Message}");
            }
        }

        private void ReadValue(ref Utf8JsonReader json, LogRow row, LogField field, int element, string column)
        {
            if (json.TokenType == JsonTokenType.Null) return;
            if (LogFields.IsVector(field) && element < 0)
            {
                if (json.TokenType != JsonTokenType.StartArray)
                {
                    row.Fail(column, "expected an array of numbers");
                    json.Skip();
                    return;
                }
                var vector = row.Vector(field);
                while (json.Read() && json.TokenType != JsonTokenType.EndArray)
                {
                    if (json.TokenType == JsonTokenType.StartArray)
                    {
                        row.Fail(column, "nested arrays: one transition per line is expected");
                        json.Skip();
                    }
                    else if (TryNumber(ref json, out float v)) vector.Append(v);
                    else row.Fail(column, $"element {vector.Length} is not a number");
                }
                return;
            }
            switch (json.TokenType)
            {
                case JsonTokenType.StartArray or JsonTokenType.StartObject:
                    row.Fail(column, "expected a single value, found an array or object");
                    json.Skip();
                    return;
                case JsonTokenType.True or JsonTokenType.False when LogFields.IsFlag(field):
                    row.SetFlag(field, json.TokenType == JsonTokenType.True);
                    return;
                case JsonTokenType.True or JsonTokenType.False:
                    row.Fail(column, $"expected a {(LogFields.IsText(field) ? "string" : "number")}, found a boolean");
                    return;
            }
            // Numbers and strings both arrive as text here; strings may hold numbers ("NaN", "0.5").
            var text = json.ValueIsEscaped ? Encoding.UTF8.GetBytes(json.GetString()!) : json.ValueSpan;
            if (LogFields.IsText(field))
            {
                if (field == LogField.Variant) row.SetVariant(_variants.Intern(text));
                else row.SetSource(_sources.Intern(text));
                return;
            }
            if (text.IsEmpty) return;
            CsvLogReader.ReadCell(row, field, element, column, text, _variants, _sources);
        }

        private static bool TryNumber(ref Utf8JsonReader json, out float value)
        {
            if (json.TokenType == JsonTokenType.Number) return json.TryGetSingle(out value);
            if (json.TokenType == JsonTokenType.String && !json.ValueIsEscaped) return Utf8Cell.TryFloat(json.ValueSpan, out value);
            value = 0;
            return false;
        }

        private void NoteIgnored(ref Utf8JsonReader json)
        {
            var name = json.ValueSpan;
            foreach (var known in _ignored) if (name.SequenceEqual(known)) return;
            if (_ignored.Count >= 64) return;
            _ignored.Add(name.ToArray());
            sink.IgnoreColumn(json.GetString()!);
        }
    }

    /// <summary>Splits the stream at newlines in a growing window; keeps the current line for rejects.</summary>
    private sealed class LineScanner(Stream stream, IProgress<long>? progress, CancellationToken ct) : IRawRowText
    {
        private byte[] _buffer = new byte[1 << 20];
        private int _start, _end;
        private bool _eof, _first = true;
        private long _consumed;
        private Range _current;

        public bool Next(out ReadOnlySpan<byte> line)
        {
            int scanned = _start;
            while (true)
            {
                int hit = _buffer.AsSpan(scanned, _end - scanned).IndexOf((byte)'\n');
                if (hit >= 0)
                {
                    Take(scanned + hit, scanned + hit + 1, out line);
                    return true;
                }
                if (_eof)
                {
                    if (_start == _end) { line = default; return false; }
                    Take(_end, _end, out line);
                    return true;
                }
                scanned = _end - _start;
                Fill();
                scanned += _start;
            }
        }

        public string RawText() => Encoding.UTF8.GetString(_buffer.AsSpan(_current));

        private void Take(int to, int next, out ReadOnlySpan<byte> line)
        {
            int end = to > _start && _buffer[to - 1] == (byte)'\r' ? to - 1 : to;
            _current = new Range(_start, end);
            line = _buffer.AsSpan(_start, end - _start);
            _start = next;
        }

        private void Fill()
        {
            ct.ThrowIfCancellationRequested();
            int live = _end - _start;
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, live);
                _start = 0;
                _end = live;
            }
            if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            int read = stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0) { _eof = true; return; }
            if (_first)
            {
                _first = false;
                if (read >= 3 && _buffer[0] == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF) _start = 3;
            }
            _end += read;
            _consumed += read;
            progress?.Report(_consumed);
        }
    }
}
