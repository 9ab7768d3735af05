using System.Text;
using OfflineSafety.Ingest.Text;

namespace OfflineSafety.Pipeline.Conversion;

/// <summary>
/// A CSV file with a header row. Column kinds are inferred from every cell: int64, double,
/// boolean (true/false) or string. An empty cell is a null, whatever the column's kind.
/// Records come from Ingest's CSV tokenizer; conversion is strict about quoting and refuses the file.
/// </summary>
public sealed class CsvTableSource(string path) : ITabularSource
{
    public string Path { get; } = path;

    public TabularSchema InferSchema(CancellationToken ct)
    {
        using var records = Open();
        var names = ReadHeader(records);
        var inference = new KindInference[names.Count];
        while (records.Read())
        {
            ct.ThrowIfCancellationRequested();
            CheckWidth(records, names.Count);
            for (int i = 0; i < names.Count; i++)
            {
                var cell = records[i];
                if (!cell.IsEmpty) inference[i].Observe(KindInference.Classify(cell));
            }
        }
        return new TabularSchema(names.Select((name, i) => new TabularField(name, inference[i].Result, IsList: false)).ToList());
    }

    public ITabularBlockReader OpenBlocks(TabularSchema schema)
    {
        var records = Open();
        try
        {
            ReadHeader(records);
            return new BlockReader(records, schema);
        }
        catch
        {
            records.Dispose();
            throw;
        }
    }

    private CsvCells Open() =>
        new(new CsvRecordReader(new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16)), Path);

    private List<string> ReadHeader(CsvCells records)
    {
        if (!records.Read()) throw new InvalidDataException($"{Path}: empty file, expected a header row");
        var names = new List<string>(records.FieldCount);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < records.FieldCount; i++)
        {
            string name = records[i].Trim().ToString();
            if (name.Length == 0) throw records.Error(records.RecordLine, $"header column {i + 1} has no name");
            if (!seen.Add(name)) throw records.Error(records.RecordLine, $"header names column \"{name}\" twice");
            names.Add(name);
        }
        return names;
    }

    private static void CheckWidth(CsvCells records, int width)
    {
        if (records.FieldCount != width)
            throw records.Error(records.RecordLine, $"{records.FieldCount} fields, the header has {width}");
    }

    private sealed class BlockReader(CsvCells records, TabularSchema schema) : ITabularBlockReader
    {
        public int ReadBlock(IReadOnlyList<TabularColumn> columns, int maxRows, CancellationToken ct)
        {
            foreach (var column in columns) column.Clear();
            int rows = 0;
            while (rows < maxRows && records.Read())
            {
                ct.ThrowIfCancellationRequested();
                CheckWidth(records, schema.Fields.Count);
                for (int i = 0; i < columns.Count; i++)
                    AddCell(columns[i], records[i], i);
                rows++;
            }
            return rows;
        }

        private void AddCell(TabularColumn column, ReadOnlySpan<char> cell, int index)
        {
            if (cell.IsEmpty)
            {
                column.AddNullRow();
                return;
            }
            bool parsed = true;
            switch (column.Field.Kind)
            {
                case TabularKind.Int64:
                    parsed = TabularValueText.TryParseInt64(cell, out long l);
                    column.AddInt64(l);
                    break;
                case TabularKind.Double:
                    parsed = TabularValueText.TryParseDouble(cell, out double d);
                    column.AddDouble(d);
                    break;
                case TabularKind.Boolean:
                    parsed = TabularValueText.TryParseBoolean(cell, out bool b);
                    column.AddBoolean(b);
                    break;
                default:
                    column.AddString(cell.ToString());
                    break;
            }
            // Only possible when the file changed between the two passes.
            if (!parsed)
                throw records.Error(records.RecordLine, $"column \"{column.Field.Name}\" (field {index + 1}): \"{cell}\" is not a {column.Field.Kind}");
            column.EndRow();
        }

        public void Dispose() => records.Dispose();
    }

    /// <summary>
    /// The tokenizer's records as checked, decoded cells: a quoting error refuses the file (naming
    /// line and field) before anything else about the record is looked at, and each cell is
    /// decoded once into a reused char buffer for the span-based kind inference and parsing.
    /// </summary>
    private sealed class CsvCells(CsvRecordReader records, string path) : IDisposable
    {
        private readonly List<(int Start, int Length)> _cells = [];
        private char[] _chars = new char[1024];
        private byte[] _scratch = new byte[256];

        public long RecordLine => records.RecordLine;

        public int FieldCount => _cells.Count;

        public ReadOnlySpan<char> this[int field]
        {
            get
            {
                var (start, length) = _cells[field];
                return _chars.AsSpan(start, length);
            }
        }

        /// <summary>Reads the next record; false at end of input. Blank lines are skipped.</summary>
        public bool Read()
        {
            do
            {
                if (!records.Read()) return false;
            }
            while (records.Record.IsEmpty);
            _cells.Clear();
            int used = 0;
            for (int i = 0; i < records.FieldCount; i++)
            {
                var field = records.Field(i);
                if (CsvRecordReader.QuotingProblem(field) is { } problem)
                    throw Error(records.RecordLine, $"field {i + 1}: {problem}");
                var text = CsvRecordReader.Unquote(field, ref _scratch);
                int needed = used + Encoding.UTF8.GetMaxCharCount(text.Length);
                if (needed > _chars.Length) Array.Resize(ref _chars, Math.Max(needed, _chars.Length * 2));
                int written = Encoding.UTF8.GetChars(text, _chars.AsSpan(used));
                _cells.Add((used, written));
                used += written;
            }
            return true;
        }

        public InvalidDataException Error(long line, string reason) => new($"{path}: line {line}: {reason}");

        public void Dispose() => records.Dispose();
    }
}
