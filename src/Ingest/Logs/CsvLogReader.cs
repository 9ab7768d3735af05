using System.Text;
using OfflineSafety.Ingest.Text;

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
        var records = new CsvRecordReader(stream, bytesRead, ct);
        var scratch = new byte[256];
        sink.BeginFile(file);

        if (!records.Read())
            throw TransitionAssembler.FileError(file, "(header)", "empty file: a header row is expected");
        if (records.Unterminated) throw TransitionAssembler.FileError(file, "(header)", "unterminated quoted field in the header");
        var names = new List<string>(records.FieldCount);
        for (int i = 0; i < records.FieldCount; i++)
        {
            var name = Cell(records.Field(i), ref scratch);
            if (Datasets.PartitionValues.BytesProblem(name) is { } bad) throw TransitionAssembler.FileError(file, $"#{i + 1}", $"column name: {bad}");
            names.Add(Encoding.UTF8.GetString(name).Trim());
        }
        var binding = ColumnBinding.Bind(names, file, sink);

        var row = new LogRow { File = file, Text = new RecordText(records) };
        var variants = new TextInterner();
        var sources = new TextInterner();
        while (records.Read())
        {
            if (IsBlank(records.Record)) continue;
            row.Begin(records.RecordLine);
            binding.Reset(row);
            if (records.Unterminated) row.Fail("(row)", "unterminated quoted field (a '\"' opens a field that never closes)");
            int fields = records.FieldCount;
            int n = Math.Min(fields, names.Count);
            for (int c = 0; c < n; c++)
            {
                int field = binding.Fields[c];
                if (field == ColumnBinding.Ignored) continue;
                var cell = Cell(records.Field(c), ref scratch);
                if (cell.IsEmpty) continue;
                Utf8Cell.ReadInto(row, (LogField)field, binding.Elements[c], names[c], cell, variants, sources);
            }
            if (fields < names.Count)
                row.Fail(names[fields], $"missing field: the row has {fields} fields, the header {names.Count}");
            else if (fields > names.Count)
                row.Fail($"#{names.Count + 1}", $"extra field: the row has {fields} fields, the header {names.Count}");
            sink.Accept(row);
        }
        sink.EndFile();
    }

    private static bool IsBlank(ReadOnlySpan<byte> record) => Utf8Cell.Trim(record).IsEmpty;

    /// <summary>
    /// A cell's value: ingest forgives spaces around a quoted field and leaves any other bad
    /// quoting as text, for the value's parser to name in the row's rejection.
    /// </summary>
    private static ReadOnlySpan<byte> Cell(ReadOnlySpan<byte> field, ref byte[] scratch) =>
        Utf8Cell.Trim(CsvRecordReader.Unquote(Utf8Cell.Trim(field), ref scratch));

    /// <summary>A rejected row's raw text, built from the tokenizer's current record only when asked.</summary>
    private sealed class RecordText(CsvRecordReader records) : IRawRowText
    {
        public string RawText() => records.RecordText();
    }
}
