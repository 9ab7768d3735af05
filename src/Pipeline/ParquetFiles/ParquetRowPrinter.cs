using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OfflineSafety.Errors;
using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using Spectre.Console;

namespace OfflineSafety.Pipeline.ParquetFiles;

/// <summary>`offsafe parquet cat`: rows of a Parquet file as JSON lines or a table.</summary>
public sealed class ParquetRowPrinter(string path, IReadOnlyList<string>? columns, long? limit)
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One JSON object per row and line, fields in the selected order.</summary>
    public void WriteJsonLines(TextWriter output, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var json = new Utf8JsonWriter(buffer, JsonOptions);
        ForEachRow((fields, row) =>
        {
            buffer.ResetWrittenCount();
            json.Reset(buffer);
            json.WriteStartObject();
            foreach (var (field, index) in fields)
            {
                json.WritePropertyName(field.Name);
                ParquetRowJson.WriteField(json, field, row[index]);
            }
            json.WriteEndObject();
            json.Flush();
            output.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
        }, ct);
    }

    /// <summary>A table with one column per selected field; nested values shown as their JSON.</summary>
    public void RenderTable(IAnsiConsole console, CancellationToken ct)
    {
        Table? table = null;
        var buffer = new ArrayBufferWriter<byte>(256);
        using var json = new Utf8JsonWriter(buffer, JsonOptions);
        ForEachRow((fields, row) =>
        {
            if (table is null)
            {
                table = new Table();
                foreach (var (field, _) in fields) table.AddColumn(Markup.Escape(field.Name));
            }
            var cells = new List<string>(fields.Count);
            foreach (var (field, index) in fields)
            {
                if (row[index] is string text)
                {
                    cells.Add(Markup.Escape(text));
                    continue;
                }
                buffer.ResetWrittenCount();
                json.Reset(buffer);
                ParquetRowJson.WriteField(json, field, row[index]);
                json.Flush();
                cells.Add(Markup.Escape(Encoding.UTF8.GetString(buffer.WrittenSpan)));
            }
            table.AddRow(cells.ToArray());
        }, ct);
        if (table is not null) console.Write(table);
        else console.WriteLine("(no rows)");
    }

    private void ForEachRow(Action<IReadOnlyList<(ParquetField Field, int Index)>, object?[]> onRow, CancellationToken ct)
    {
        using var reader = ParquetFileReader.Open(path);
        var schemaFields = reader.Schema.Fields;
        foreach (var name in columns ?? [])
            if (!schemaFields.Any(f => f.Name == name))
                throw new BadInputException($"{path}: no top-level field \"{name}\"; fields: {string.Join(", ", schemaFields.Select(f => f.Name))}");
        var options = new ParquetReadOptions { Columns = columns };
        var rowNames = reader.GetRowFieldNames(options);
        // Rows come in schema order; print in the order asked for.
        var fields = (columns ?? rowNames)
            .Distinct()
            .Select(name => (schemaFields.First(f => f.Name == name), IndexOf(rowNames, name)))
            .ToList();
        long printed = 0;
        if (limit == 0) return;
        foreach (var row in reader.ReadRows(options, ct))
        {
            onRow(fields, row);
            if (++printed == limit) break;
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
            if (names[i] == name) return i;
        throw new InvalidOperationException($"field {name} missing from rows");
    }
}
