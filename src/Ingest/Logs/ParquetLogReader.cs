using System.Globalization;
using System.Text.Json;
using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// Reads Parquet logs through the project's codec, one row group at a time, column by column:
/// vectors as LIST&lt;FLOAT|DOUBLE&gt; columns or flattened obs_k columns; numbers of any numeric
/// type; flags as BOOLEAN or 0/1 numbers. Row numbers in errors are 1-based rows over the file.
/// </summary>
public sealed class ParquetLogReader : ILogReader
{
    public void Read(Stream stream, string file, TransitionAssembler sink, IProgress<long>? bytesRead, CancellationToken ct)
    {
        sink.BeginFile(file);
        using var parquet = OpenOrReject(stream, file);
        sink.ExpectRows(parquet.RowCount);
        var fields = parquet.Schema.Fields;
        var names = fields.Select(f => f.Name).ToList();
        var binding = ColumnBinding.Bind(names, file, sink);
        var group = new RowGroupCells(file, names);
        var row = new LogRow { File = file, Text = group };
        long rowNumber = 0, total = Math.Max(parquet.RowCount, 1);
        for (int g = 0; g < parquet.RowGroupCount; g++)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                group.Load(parquet, g, binding, ct);
            }
            catch (NotSupportedException ex)
            {
                // A codec or encoding this reader lacks (or a damaged header that names one): the file is unusable.
                throw TransitionAssembler.FileError(file, "(file)", ex.Message);
            }
            int rows = checked((int)parquet.GetRowGroupRowCount(g));
            for (int r = 0; r < rows; r++)
            {
                row.Begin(++rowNumber);
                binding.Reset(row);
                group.Fill(row, r, binding);
                sink.Accept(row);
            }
            // The codec reads whole column chunks, so progress moves by row group.
            bytesRead?.Report(stream.Length * rowNumber / total);
        }
        sink.EndFile();
    }

    private static ParquetFileReader OpenOrReject(Stream stream, string file)
    {
        try
        {
            return new ParquetFileReader(stream, file, leaveOpen: true);
        }
        catch (ParquetFormatException ex)
        {
            throw TransitionAssembler.FileError(file, "(file)", $"not a readable Parquet file: {ex.Message}");
        }
    }

    /// <summary>The bound columns of one row group, decoded; also renders a row as JSON for the rejects file.</summary>
    private sealed class RowGroupCells(string file, List<string> names) : IRawRowText
    {
        private readonly Cell?[] _cells = new Cell?[names.Count];
        private readonly TextInterner _variants = new(), _sources = new();
        private int _current;

        public void Load(ParquetFileReader parquet, int group, ColumnBinding binding, CancellationToken ct)
        {
            for (int c = 0; c < names.Count; c++)
            {
                if (binding.Fields[c] == ColumnBinding.Ignored) continue;
                var columns = parquet.Schema.ColumnsUnder(names[c]);
                if (columns.Count != 1)
                    throw TransitionAssembler.FileError(file, names[c], "a struct or map column; expected numbers, text, flags or a list of numbers");
                _cells[c] = Cell.Read(parquet, group, columns[0], file, names[c], ct);
            }
        }

        public void Fill(LogRow row, int r, ColumnBinding binding)
        {
            _current = r;
            for (int c = 0; c < _cells.Length; c++)
                if (_cells[c] is { } cell) cell.Fill(row, r, (LogField)binding.Fields[c], binding.Elements[c], names[c], _variants, _sources);
        }

        public string RawText()
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                for (int c = 0; c < _cells.Length; c++)
                    if (_cells[c] is { } cell)
                    {
                        w.WritePropertyName(names[c]);
                        cell.Write(w, _current);
                    }
                w.WriteEndObject();
            }
            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
    }

    /// <summary>One decoded column of a row group: numbers widened to double, or text, or a list of numbers.</summary>
    private sealed class Cell
    {
        private double[]? _numbers;
        private bool[]? _flags;
        private string?[]? _text;
        private bool[]? _valid;
        private double[]? _listValues;
        private int[]? _offsets;
        private bool[]? _elementValid;

        public static Cell Read(ParquetFileReader parquet, int group, ParquetColumn column, string file, string name, CancellationToken ct)
        {
            var cell = new Cell();
            var type = column.ValueType;
            if (column.MaxRepetitionLevel > 0)
            {
                if (column.MaxRepetitionLevel > 1 || (type != typeof(float) && type != typeof(double) && type != typeof(int) && type != typeof(long)))
                    throw TransitionAssembler.FileError(file, name, "expected a list of numbers");
                if (type == typeof(float)) cell.TakeList(parquet.ReadList<float>(group, name, ct), v => v);
                else if (type == typeof(double)) cell.TakeList(parquet.ReadList<double>(group, name, ct), v => v);
                else if (type == typeof(int)) cell.TakeList(parquet.ReadList<int>(group, name, ct), v => v);
                else cell.TakeList(parquet.ReadList<long>(group, name, ct), v => v);
                return cell;
            }
            if (type == typeof(float)) cell._numbers = Array.ConvertAll(parquet.ReadValues<float>(group, name, out cell._valid, ct), v => (double)v);
            else if (type == typeof(double)) cell._numbers = parquet.ReadValues<double>(group, name, out cell._valid, ct);
            else if (type == typeof(int)) cell._numbers = Array.ConvertAll(parquet.ReadValues<int>(group, name, out cell._valid, ct), v => (double)v);
            else if (type == typeof(long)) cell._numbers = Array.ConvertAll(parquet.ReadValues<long>(group, name, out cell._valid, ct), v => (double)v);
            else if (type == typeof(bool)) cell._flags = parquet.ReadValues<bool>(group, name, out cell._valid, ct);
            else if (type == typeof(string)) cell._text = parquet.ReadValues<string>(group, name, out cell._valid, ct);
            else throw TransitionAssembler.FileError(file, name, $"unsupported column type {column.PhysicalType}");
            return cell;
        }

        private void TakeList<T>(ParquetList<T> list, Func<T, double> widen)
        {
            _listValues = Array.ConvertAll(list.Values, x => widen(x));
            _offsets = list.Offsets;
            _valid = list.Validity;
            _elementValid = list.ElementValidity;
        }

        private bool IsNull(int r) => _valid is not null && !_valid[r] || _text is not null && _text[r] is null;

        public void Fill(LogRow row, int r, LogField field, int element, string column, TextInterner variants, TextInterner sources)
        {
            if (IsNull(r)) return;
            if (_offsets is not null)
            {
                if (!LogFields.IsVector(field) || element >= 0) { row.Fail(column, "expected a single value, found a list"); return; }
                var vector = row.Vector(field);
                vector.ResetArray();
                for (int i = _offsets[r]; i < _offsets[r + 1]; i++)
                {
                    if (_elementValid is not null && !_elementValid[i]) { row.Fail(column, $"element {i - _offsets[r]} is null"); return; }
                    vector.Append((float)_listValues![i]);
                }
                if (_offsets[r] == _offsets[r + 1]) row.Fail(column, "empty list");
                return;
            }
            if (_text is not null)
            {
                var s = _text[r]!;
                // The decoder turned any invalid UTF-8 into U+FFFD, which the rules refuse.
                if (LogFields.IsText(field) && Datasets.PartitionValues.Problem(s, field == LogField.Variant) is { } problem) row.Fail(column, problem);
                else if (field == LogField.Variant) row.SetVariant(s);
                else if (field == LogField.Source) row.SetSource(s);
                else
                {
                    // Text in a numeric field: parse it as a text log would.
                    Span<byte> utf8 = stackalloc byte[Math.Min(s.Length * 3, 256)];
                    int n = System.Text.Encoding.UTF8.GetBytes(s.AsSpan(0, Math.Min(s.Length, 80)), utf8);
                    if (n > 0) Utf8Cell.ReadInto(row, field, element, column, utf8[..n], variants, sources);
                }
                return;
            }
            if (_flags is not null)
            {
                if (LogFields.IsFlag(field)) row.SetFlag(field, _flags[r]);
                else row.Fail(column, "expected a number, found a boolean");
                return;
            }
            double v = _numbers![r];
            switch (field)
            {
                case LogField.Obs or LogField.Action or LogField.NextObs:
                    if (element >= 0) row.Vector(field).Set(element, (float)v);
                    else row.Fail(column, "expected a list of numbers");
                    break;
                case LogField.Reward or LogField.Cost:
                    row.SetNumber(field, (float)v);
                    break;
                case LogField.Unsafe or LogField.Terminal or LogField.Truncated:
                    if (v is 0 or 1) row.SetFlag(field, v == 1);
                    else row.Fail(column, $"not a boolean (true/false/1/0): {v.ToString(CultureInfo.InvariantCulture)}");
                    break;
                case LogField.EpisodeId:
                    if (v == Math.Floor(v) && Math.Abs(v) < 9e15) row.SetEpisodeId((long)v);
                    else row.Fail(column, $"not an integer: {v.ToString(CultureInfo.InvariantCulture)}");
                    break;
                case LogField.Step:
                    if (v == Math.Floor(v) && v is >= int.MinValue and <= int.MaxValue) row.SetStep((int)v);
                    else row.Fail(column, $"not a 32-bit integer: {v.ToString(CultureInfo.InvariantCulture)}");
                    break;
                case LogField.Variant:
                    row.SetVariant(variants.Intern(System.Text.Encoding.UTF8.GetBytes(v.ToString(CultureInfo.InvariantCulture))));
                    break;
                case LogField.Source:
                    row.SetSource(sources.Intern(System.Text.Encoding.UTF8.GetBytes(v.ToString(CultureInfo.InvariantCulture))));
                    break;
            }
        }

        public void Write(Utf8JsonWriter w, int r)
        {
            if (IsNull(r)) { w.WriteNullValue(); return; }
            if (_offsets is not null)
            {
                w.WriteStartArray();
                for (int i = _offsets[r]; i < _offsets[r + 1]; i++) WriteNumber(w, _listValues![i]);
                w.WriteEndArray();
            }
            else if (_text is not null) w.WriteStringValue(_text[r]);
            else if (_flags is not null) w.WriteBooleanValue(_flags[r]);
            else WriteNumber(w, _numbers![r]);
        }

        // JSON has no NaN or Infinity; rejected rows often hold exactly those, so write them as strings.
        private static void WriteNumber(Utf8JsonWriter w, double v)
        {
            if (double.IsFinite(v)) w.WriteNumberValue(v);
            else w.WriteStringValue(v.ToString(CultureInfo.InvariantCulture));
        }
    }
}
