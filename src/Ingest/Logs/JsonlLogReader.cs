using System.Text;
using System.Text.Json;
using OfflineSafety.Ingest.Text;

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
        var lines = new Utf8LineReader(stream, bytesRead, ct);
        var row = new LogRow { File = file, Text = new LineText(lines) };
        var parse = new LineParser(sink.Map, sink);
        var episodes = new EpisodeLine(sink.Map);
        while (lines.TryReadLine(out var line))
        {
            long number = lines.LineNumber;
            if (Utf8Cell.Trim(line).IsEmpty) continue;
            row.Begin(number);
            row.Obs.ResetArray();
            row.Action.ResetArray();
            row.NextObs.ResetArray();
            if (LineParser.Utf8Problem(line, sink.Map) is { } problem)
            {
                row.Fail(problem.Column, problem.Reason);
                sink.Accept(row);
            }
            else if (parse.Parse(line, row)) sink.Accept(row);
            else episodes.Emit(line, number, row, sink);
        }
        sink.EndFile();
    }

    private sealed class LineParser(FieldMap map, TransitionAssembler sink)
    {
        private readonly TextInterner _variants = new();
        private readonly TextInterner _sources = new();
        private readonly List<byte[]> _ignored = [];
        private readonly List<string>[] _flattenedNames = [[], [], []];
        private readonly List<(byte[] Key, bool Known, LogField Field, int Element)> _keys = [];

        /// <summary>
        /// Resolves a key, first against the key seen at the same position on earlier lines: exported
        /// logs repeat one key order on every line, so this usually costs one comparison.
        /// </summary>
        private bool Resolve(ref Utf8JsonReader json, int position, out LogField field, out int element)
        {
            if (!json.ValueIsEscaped && position < _keys.Count && json.ValueSpan.SequenceEqual(_keys[position].Key))
            {
                (_, bool cached, field, element) = _keys[position];
                return cached;
            }
            bool known = json.ValueIsEscaped
                ? map.TryResolve(json.GetString()!, out field, out element)
                : map.TryResolve(json.ValueSpan, out field, out element);
            if (known && element >= 0 && !LogFields.IsVector(field)) known = false;
            if (!json.ValueIsEscaped && position <= _keys.Count && position < 1024)
            {
                var entry = (json.ValueSpan.ToArray(), known, field, element);
                if (position == _keys.Count) _keys.Add(entry);
                else _keys[position] = entry;
            }
            return known;
        }

        /// <summary>Column names for errors, built once per flattened element rather than once per value.</summary>
        private string ColumnName(LogField field, int element)
        {
            if (element < 0) return map.Column(field);
            var names = _flattenedNames[field - LogField.Obs];
            while (names.Count <= element) names.Add($"{map.Column(field)}_{names.Count}");
            return names[element];
        }

        /// <summary>Parses a one-transition line into <paramref name="row"/>; false when the line holds a whole episode.</summary>
        public bool Parse(ReadOnlySpan<byte> line, LogRow row)
        {
            var json = new Utf8JsonReader(line);
            LogField? current = null;
            int currentElement = -1;
            try
            {
                if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
                {
                    row.Fail("(line)", "expected a JSON object");
                    return true;
                }
                int position = 0;
                while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
                {
                    current = null;
                    bool known = Resolve(ref json, position++, out var field, out int element);
                    if (!known)
                    {
                        NoteIgnored(ref json);
                        json.Read();
                        json.Skip();
                        continue;
                    }
                    (current, currentElement) = (field, element);
                    json.Read();
                    if (!ReadValue(ref json, row, field, element, ColumnName(field, element))) return false;
                }
            }
            catch (InvalidOperationException ex)
            {
                // An escape that is no text, such as a lone surrogate ("\ud800").
                row.Fail(current is { } f ? ColumnName(f, currentElement) : "(line)", $"invalid text: {ex.Message}");
            }
            catch (JsonException ex)
            {
                // Python's json writes NaN and Infinity bare, which JSON does not allow; name them plainly.
                var rest = line[(int)Math.Min(json.BytesConsumed, line.Length)..];
                bool nonFinite = rest.IndexOf("NaN"u8) >= 0 || rest.IndexOf("Infinity"u8) >= 0;
                row.Fail(current is { } f ? ColumnName(f, currentElement) : "(line)", nonFinite ? "not finite (NaN or Infinity)" : $"malformed JSON: {ex.Message}");
            }
            return true;
        }

        /// <summary>Reads one value; false when an array of arrays shows the line is a whole episode.</summary>
        private bool ReadValue(ref Utf8JsonReader json, LogRow row, LogField field, int element, string column)
        {
            if (json.TokenType == JsonTokenType.Null) return true;
            if (LogFields.IsVector(field) && element < 0)
            {
                if (json.TokenType != JsonTokenType.StartArray)
                {
                    row.Fail(column, "expected an array of numbers");
                    json.Skip();
                    return true;
                }
                var vector = row.Vector(field);
                while (json.Read() && json.TokenType != JsonTokenType.EndArray)
                {
                    if (json.TokenType == JsonTokenType.StartArray)
                    {
                        if (vector.Length == 0) return false;
                        row.Fail(column, "mixes numbers and arrays");
                        json.Skip();
                    }
                    else if (TryNumber(ref json, out float v)) vector.Append(v);
                    else row.Fail(column, $"element {vector.Length} is not a number");
                }
                return true;
            }
            switch (json.TokenType)
            {
                case JsonTokenType.StartArray or JsonTokenType.StartObject:
                    row.Fail(column, "expected a single value, found an array or object");
                    json.Skip();
                    return true;
                case JsonTokenType.True or JsonTokenType.False when LogFields.IsFlag(field):
                    row.SetFlag(field, json.TokenType == JsonTokenType.True);
                    return true;
                case JsonTokenType.True or JsonTokenType.False:
                    row.Fail(column, $"expected a {(LogFields.IsText(field) ? "string" : "number")}, found a boolean");
                    return true;
            }
            // Numbers and strings both arrive as text here; strings may hold numbers ("NaN", "0.5").
            var text = json.ValueIsEscaped ? Encoding.UTF8.GetBytes(json.GetString()!) : json.ValueSpan;
            if (LogFields.IsText(field))
            {
                Utf8Cell.ReadInto(row, field, element, column, text, _variants, _sources);
                return true;
            }
            if (!text.IsEmpty) Utf8Cell.ReadInto(row, field, element, column, text, _variants, _sources);
            return true;
        }

        /// <summary>
        /// Where a line is not UTF-8: the key whose value holds the first bad byte ("(line)" when
        /// none does) and the byte's 1-based position. JSON's reader would pass such bytes through.
        /// </summary>
        public static (string Column, string Reason)? Utf8Problem(ReadOnlySpan<byte> line, FieldMap map)
        {
            if (System.Text.Unicode.Utf8.IsValid(line)) return null;
            int bad = 0;
            while (System.Text.Rune.DecodeFromUtf8(line[bad..], out _, out int n) == System.Buffers.OperationStatus.Done) bad += n;
            string column = "(line)";
            try
            {
                var json = new Utf8JsonReader(line[..bad]);
                while (json.Read())
                    if (json.TokenType == JsonTokenType.PropertyName)
                        column = map.TryResolve(json.ValueSpan, out var field, out int element) ? (element < 0 ? map.Column(field) : $"{map.Column(field)}_{element}") : json.GetString()!;
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
            }
            return (column.Length > 80 ? column[..80] + "…" : column, $"invalid UTF-8 (at byte {bad + 1} of the line)");
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

    /// <summary>A rejected row's raw text, built from the reader's current line only when asked.</summary>
    private sealed class LineText(Utf8LineReader lines) : IRawRowText
    {
        public string RawText() => lines.LineText();
    }
}

/// <summary>
/// A JSON Lines line holding a whole episode, Minari-style: vectors as arrays of per-step arrays
/// (observations include the reset observation, so one more than actions), per-step scalars as
/// arrays (rewards, costs, terminations, truncations), and episode-wide scalars (episode_id,
/// variant, source). Emits one row per step plus the final-observation row, all numbered by the line.
/// </summary>
internal sealed class EpisodeLine(FieldMap map)
{
    private readonly List<float>[] _vectorValues = [[], [], []];
    private readonly List<int>[] _vectorStarts = [[], [], []];
    private readonly bool[] _vectorGiven = new bool[3];
    private readonly List<Range>?[] _stepCells = new List<Range>?[LogFields.Count];
    private readonly Range?[] _episodeCells = new Range?[LogFields.Count];
    private readonly TextInterner _variants = new(), _sources = new();
    private byte[] _text = new byte[4096];
    private int _textLength;

    public void Emit(ReadOnlySpan<byte> line, long number, LogRow row, TransitionAssembler sink)
    {
        string? error = null, errorColumn = null;
        try
        {
            Collect(line);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            (errorColumn, error) = ("(line)", $"malformed JSON: {ex.Message}");
        }

        int actions = _vectorGiven[1] ? _vectorStarts[1].Count : 0;
        bool nextGiven = _vectorGiven[2];
        int observations = _vectorStarts[0].Count;
        if (error is null && !_vectorGiven[1]) (errorColumn, error) = (map.Column(LogField.Action), "missing: an episode line needs per-step actions");
        if (error is null && observations != actions + (nextGiven ? 0 : 1))
            (errorColumn, error) = (map.Column(LogField.Obs), nextGiven
                ? $"has {observations} observations for {actions} actions (with next observations given, the counts must match)"
                : $"has {observations} observations for {actions} actions; an episode holds one more observation than actions");
        for (int f = 0; f < LogFields.Count && error is null; f++)
        {
            if (_stepCells[f] is { } cells && cells.Count != actions)
                (errorColumn, error) = (map.Column((LogField)f), $"has {cells.Count} entries for {actions} actions");
            else if (LogFields.IsVector((LogField)f) && f != (int)LogField.Obs && _vectorGiven[f - (int)LogField.Obs]
                     && _vectorStarts[f - (int)LogField.Obs].Count != actions)
                (errorColumn, error) = (map.Column((LogField)f), $"has {_vectorStarts[f - (int)LogField.Obs].Count} entries for {actions} actions");
        }

        int rows = error is not null ? 1 : actions + (nextGiven ? 0 : 1);
        for (int k = 0; k < rows; k++)
        {
            row.Begin(number);
            row.Obs.ResetArray();
            row.Action.ResetArray();
            row.NextObs.ResetArray();
            if (error is not null)
            {
                row.Fail(errorColumn!, error);
                sink.Accept(row);
                return;
            }
            bool final = k == actions;
            for (int v = 0; v < 3; v++)
                if (_vectorGiven[v] && (!final || v == 0)) CopyStep(v, k, row.Vector(LogField.Obs + v));
            for (int f = 0; f < LogFields.Count; f++)
            {
                var field = (LogField)f;
                if (LogFields.IsVector(field)) continue;
                Range? cell = _stepCells[f] is { } cells ? (final ? null : cells[k]) : _episodeCells[f];
                // The final observation carries only what names its episode.
                if (final && field is not (LogField.EpisodeId or LogField.Variant or LogField.Source)) continue;
                if (cell is { } r && r.GetOffsetAndLength(_textLength).Length > 0)
                    Utf8Cell.ReadInto(row, field, -1, map.Column(field), _text.AsSpan(r), _variants, _sources);
            }
            sink.Accept(row);
        }
    }

    private void CopyStep(int vector, int step, LogVector into)
    {
        var starts = _vectorStarts[vector];
        int from = starts[step], to = step + 1 < starts.Count ? starts[step + 1] : _vectorValues[vector].Count;
        for (int i = from; i < to; i++) into.Append(_vectorValues[vector][i]);
    }

    private void Collect(ReadOnlySpan<byte> line)
    {
        for (int v = 0; v < 3; v++) { _vectorValues[v].Clear(); _vectorStarts[v].Clear(); _vectorGiven[v] = false; }
        Array.Clear(_stepCells);
        Array.Clear(_episodeCells);
        _textLength = 0;
        var json = new Utf8JsonReader(line);
        json.Read();
        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            bool known = map.TryResolve(json.GetString()!, out var field, out int element) && element < 0;
            json.Read();
            if (!known) { json.Skip(); continue; }
            if (LogFields.IsVector(field))
            {
                int v = field - LogField.Obs;
                _vectorGiven[v] = true;
                if (json.TokenType != JsonTokenType.StartArray) throw new FormatException($"'{map.Column(field)}' must be an array of per-step arrays");
                while (json.Read() && json.TokenType != JsonTokenType.EndArray)
                {
                    if (json.TokenType != JsonTokenType.StartArray) throw new FormatException($"'{map.Column(field)}' mixes arrays and numbers");
                    _vectorStarts[v].Add(_vectorValues[v].Count);
                    while (json.Read() && json.TokenType != JsonTokenType.EndArray)
                        _vectorValues[v].Add(json.TokenType == JsonTokenType.Number ? json.GetSingle() : float.NaN);
                }
            }
            else if (json.TokenType == JsonTokenType.StartArray)
            {
                var cells = _stepCells[(int)field] = [];
                while (json.Read() && json.TokenType != JsonTokenType.EndArray) cells.Add(Keep(ref json));
            }
            else _episodeCells[(int)field] = Keep(ref json);
        }
    }

    /// <summary>Copies a scalar's text (a string without its quotes; null as empty) for later parsing per row.</summary>
    private Range Keep(ref Utf8JsonReader json)
    {
        if (json.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
        {
            json.Skip();
            return new Range(_textLength, _textLength);
        }
        ReadOnlySpan<byte> value = json.TokenType == JsonTokenType.Null ? default
            : json.ValueIsEscaped ? System.Text.Encoding.UTF8.GetBytes(json.GetString()!) : json.ValueSpan;
        if (_textLength + value.Length > _text.Length) Array.Resize(ref _text, Math.Max(_text.Length * 2, _textLength + value.Length));
        value.CopyTo(_text.AsSpan(_textLength));
        var range = new Range(_textLength, _textLength + value.Length);
        _textLength += value.Length;
        return range;
    }
}
