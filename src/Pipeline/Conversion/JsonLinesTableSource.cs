using System.Text;
using System.Text.Json;
using OfflineSafety.Ingest.Text;

namespace OfflineSafety.Pipeline.Conversion;

/// <summary>
/// A JSON lines file: one object per line, blank lines skipped. Fields are columns in order of
/// first appearance; a missing field or JSON null is a null. Numbers are int64 when every value
/// is integral and fits, else double; arrays of scalars become lists. Anything else (objects,
/// nested arrays, a field that is sometimes an array and sometimes not, mixed kinds) becomes a
/// string column holding each value's JSON text, so no input is refused for its shape.
/// </summary>
public sealed class JsonLinesTableSource(string path) : ITabularSource
{
    public string Path { get; } = path;

    public TabularSchema InferSchema(CancellationToken ct)
    {
        using var lines = Open();
        var fields = new List<FieldInference>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        while (lines.TryReadLine(out var line))
        {
            ct.ThrowIfCancellationRequested();
            if (IsBlank(line)) continue;
            var reader = StartObject(line, lines.LineNumber);
            try
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    string name = reader.GetString()!;
                    if (!index.TryGetValue(name, out int i))
                    {
                        index.Add(name, i = fields.Count);
                        fields.Add(new FieldInference(name));
                    }
                    reader.Read();
                    fields[i].Observe(ref reader);
                }
            }
            catch (JsonException ex)
            {
                throw LineError(lines.LineNumber, $"invalid JSON: {ex.Message}");
            }
        }
        if (fields.Count == 0) throw new InvalidDataException($"{Path}: no fields: the file holds no JSON objects with fields");
        return new TabularSchema(fields.Select(f => f.Result).ToList());
    }

    public ITabularBlockReader OpenBlocks(TabularSchema schema) => new BlockReader(this, Open(), schema);

    private Utf8LineReader Open() => new(new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16));

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.Trim(" \t"u8).IsEmpty;

    private Utf8JsonReader StartObject(ReadOnlySpan<byte> line, long lineNumber)
    {
        var reader = new Utf8JsonReader(line, isFinalBlock: true, state: default);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw LineError(lineNumber, "expected a JSON object");
        }
        catch (JsonException ex)
        {
            throw LineError(lineNumber, $"invalid JSON: {ex.Message}");
        }
        return reader;
    }

    private InvalidDataException LineError(long line, string reason) => new($"{Path}: line {line}: {reason}");

    private sealed class FieldInference(string name)
    {
        private KindInference _scalar;
        private KindInference _item;
        private bool _sawScalar;
        private bool _sawList;
        private bool _sawOther;

        public TabularField Result => _sawOther || (_sawScalar && _sawList)
            ? new TabularField(name, TabularKind.String, IsList: false)
            : _sawList ? new TabularField(name, _item.Result, IsList: true)
            : new TabularField(name, _scalar.Result, IsList: false);

        public void Observe(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    return;
                case JsonTokenType.StartObject:
                    _sawOther = true;
                    reader.Skip();
                    return;
                case JsonTokenType.StartArray:
                    _sawList = true;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
                        {
                            _sawOther = true;
                            reader.Skip();
                        }
                        else if (reader.TokenType != JsonTokenType.Null)
                        {
                            _item.Observe(ScalarKind(ref reader));
                        }
                    }
                    return;
                default:
                    _sawScalar = true;
                    _scalar.Observe(ScalarKind(ref reader));
                    return;
            }
        }

        private static TabularKind ScalarKind(ref Utf8JsonReader reader) => reader.TokenType switch
        {
            JsonTokenType.Number => reader.TryGetInt64(out _) ? TabularKind.Int64 : TabularKind.Double,
            JsonTokenType.True or JsonTokenType.False => TabularKind.Boolean,
            _ => TabularKind.String,
        };
    }

    private sealed class BlockReader : ITabularBlockReader
    {
        private readonly JsonLinesTableSource _source;
        private readonly Utf8LineReader _lines;
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _index;
        private readonly long[] _filledInRow;
        private char[] _name = new char[256];
        private long _row;

        public BlockReader(JsonLinesTableSource source, Utf8LineReader lines, TabularSchema schema)
        {
            _source = source;
            _lines = lines;
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < schema.Fields.Count; i++) index.Add(schema.Fields[i].Name, i);
            _index = index.GetAlternateLookup<ReadOnlySpan<char>>();
            _filledInRow = new long[schema.Fields.Count];
            Array.Fill(_filledInRow, -1);
        }

        public int ReadBlock(IReadOnlyList<TabularColumn> columns, int maxRows, CancellationToken ct)
        {
            foreach (var column in columns) column.Clear();
            int rows = 0;
            while (rows < maxRows && _lines.TryReadLine(out var line))
            {
                ct.ThrowIfCancellationRequested();
                if (IsBlank(line)) continue;
                try
                {
                    ReadRow(line, columns);
                }
                catch (JsonException ex)
                {
                    throw _source.LineError(_lines.LineNumber, $"invalid JSON: {ex.Message}");
                }
                rows++;
            }
            return rows;
        }

        private void ReadRow(ReadOnlySpan<byte> line, IReadOnlyList<TabularColumn> columns)
        {
            _row++;
            var reader = _source.StartObject(line, _lines.LineNumber);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                int i = FieldIndex(ref reader);
                if (_filledInRow[i] == _row) throw _source.LineError(_lines.LineNumber, $"field \"{columns[i].Field.Name}\" appears twice");
                _filledInRow[i] = _row;
                reader.Read();
                AddValue(columns[i], ref reader, line);
            }
            for (int i = 0; i < columns.Count; i++)
                if (_filledInRow[i] != _row) columns[i].AddNullRow();
        }

        private int FieldIndex(ref Utf8JsonReader reader)
        {
            int length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
            if (_name.Length < length) _name = new char[Math.Max(length, _name.Length * 2)];
            int written = reader.CopyString(_name);
            if (!_index.TryGetValue(_name.AsSpan(0, written), out int i))
                throw _source.LineError(_lines.LineNumber, $"field \"{new string(_name, 0, written)}\" was not in the file when its schema was inferred");
            return i;
        }

        private void AddValue(TabularColumn column, ref Utf8JsonReader reader, ReadOnlySpan<byte> line)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                column.AddNullRow();
                return;
            }
            if (!column.Field.IsList)
            {
                AddScalar(column, ref reader, line);
                column.EndRow();
                return;
            }
            if (reader.TokenType != JsonTokenType.StartArray)
                throw Mismatch(column, "an array");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType == JsonTokenType.Null) column.AddNullValue();
                else AddScalar(column, ref reader, line);
            }
            column.EndRow();
        }

        private void AddScalar(TabularColumn column, ref Utf8JsonReader reader, ReadOnlySpan<byte> line)
        {
            switch (column.Field.Kind)
            {
                case TabularKind.Int64 when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long l):
                    column.AddInt64(l);
                    break;
                case TabularKind.Double when reader.TokenType == JsonTokenType.Number:
                    column.AddDouble(reader.GetDouble());
                    break;
                case TabularKind.Boolean when reader.TokenType is JsonTokenType.True or JsonTokenType.False:
                    column.AddBoolean(reader.GetBoolean());
                    break;
                case TabularKind.String:
                    column.AddString(reader.TokenType == JsonTokenType.String ? reader.GetString()! : JsonText(ref reader, line));
                    break;
                default:
                    throw Mismatch(column, $"a {column.Field.Kind}");
            }
        }

        // A string column keeps non-string values as their JSON text.
        private static string JsonText(ref Utf8JsonReader reader, ReadOnlySpan<byte> line)
        {
            int start = (int)reader.TokenStartIndex;
            reader.Skip();
            return Encoding.UTF8.GetString(line[start..(int)reader.BytesConsumed]);
        }

        private InvalidDataException Mismatch(TabularColumn column, string expected) =>
            _source.LineError(_lines.LineNumber, $"field \"{column.Field.Name}\": expected {expected} (the file changed since its schema was inferred)");

        public void Dispose() => _lines.Dispose();
    }
}
