using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using Spectre.Console;

namespace OfflineSafety.Pipeline.ParquetFiles;

/// <summary>One column chunk as `offsafe parquet inspect` reports it.</summary>
public sealed record ColumnChunkInspection(
    ParquetColumn Column,
    IReadOnlyList<ParquetEncoding> Encodings,
    ParquetCompression Compression,
    long CompressedBytes,
    long UncompressedBytes,
    long Values,
    long? DictionaryPageOffset,
    ParquetStatistics? Statistics)
{
    /// <summary>
    /// Whether the chunk starts with a dictionary page. Some writers leave dictionary_page_offset
    /// unset, so a dictionary encoding among the chunk's encodings counts too.
    /// </summary>
    public bool HasDictionaryPage => DictionaryPageOffset is > 0
        || Encodings.Any(e => e is ParquetEncoding.PlainDictionary or ParquetEncoding.RleDictionary);
}

public sealed record RowGroupInspection(long Rows, long TotalByteSize, long? CompressedBytes, IReadOnlyList<ColumnChunkInspection> Columns);

/// <summary>`offsafe parquet inspect`: a file's schema, row groups and column chunks, decoded from its footer.</summary>
public sealed record ParquetInspection(
    string File,
    long FileBytes,
    long Rows,
    string? CreatedBy,
    IReadOnlyList<KeyValuePair<string, string?>> Metadata,
    ParquetSchema Schema,
    IReadOnlyList<RowGroupInspection> RowGroups)
{
    public static ParquetInspection Read(string path)
    {
        using var reader = ParquetFileReader.Open(path);
        var meta = reader.Metadata;
        var groups = new List<RowGroupInspection>(meta.RowGroups.Count);
        for (int g = 0; g < meta.RowGroups.Count; g++)
        {
            var group = meta.RowGroups[g];
            var chunks = reader.Schema.Columns.Select(column =>
            {
                var chunk = group.Columns[column.Index];
                return new ColumnChunkInspection(column, chunk.Encodings, chunk.Codec, chunk.TotalCompressedSize,
                    chunk.TotalUncompressedSize, chunk.NumValues, chunk.DictionaryPageOffset, reader.GetStatistics(g, column));
            }).ToList();
            groups.Add(new RowGroupInspection(group.NumRows, group.TotalByteSize, group.TotalCompressedSize, chunks));
        }
        return new ParquetInspection(path, new FileInfo(path).Length, reader.RowCount, meta.CreatedBy, meta.KeyValueMetadata, reader.Schema, groups);
    }

    /// <summary>The format's own spelling of an enum value: ByteArray -> BYTE_ARRAY, Lz4Raw -> LZ4_RAW.</summary>
    public static string FormatName<T>(T value) where T : struct, Enum
    {
        string name = value.ToString();
        var text = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && !char.IsUpper(name[i - 1])) text.Append('_');
            text.Append(char.ToUpperInvariant(name[i]));
        }
        return text.ToString();
    }

    public void WriteJson(TextWriter output)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("file", File);
            json.WriteNumber("file_bytes", FileBytes);
            json.WriteNumber("rows", Rows);
            json.WriteString("created_by", CreatedBy);
            json.WriteStartObject("metadata");
            foreach (var (key, value) in Metadata) json.WriteString(key, value);
            json.WriteEndObject();
            json.WriteStartArray("schema");
            foreach (var field in Schema.Fields) WriteSchemaNode(json, field);
            json.WriteEndArray();
            json.WriteStartArray("row_groups");
            foreach (var group in RowGroups)
            {
                json.WriteStartObject();
                json.WriteNumber("rows", group.Rows);
                json.WriteNumber("total_byte_size", group.TotalByteSize);
                if (group.CompressedBytes is { } compressed) json.WriteNumber("compressed_bytes", compressed);
                json.WriteStartArray("columns");
                foreach (var chunk in group.Columns) WriteChunk(json, chunk);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length));
    }

    private static void WriteSchemaNode(Utf8JsonWriter json, ParquetField field)
    {
        json.WriteStartObject();
        json.WriteString("name", field.Name);
        json.WriteString("repetition", FormatName(field.Repetition));
        if (field is ParquetPrimitiveField leaf)
        {
            json.WriteString("physical_type", FormatName(leaf.PhysicalType));
            if (leaf.TypeLength > 0) json.WriteNumber("type_length", leaf.TypeLength);
        }
        if (field.LogicalType is { } logical) json.WriteString("logical_type", logical.ToString());
        if (field is ParquetGroupField group)
        {
            json.WriteStartArray("children");
            foreach (var child in group.Children) WriteSchemaNode(json, child);
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static void WriteChunk(Utf8JsonWriter json, ColumnChunkInspection chunk)
    {
        json.WriteStartObject();
        json.WriteString("path", chunk.Column.DottedPath);
        json.WriteString("physical_type", FormatName(chunk.Column.PhysicalType));
        json.WriteString("logical_type", chunk.Column.LogicalType?.ToString());
        json.WriteStartArray("encodings");
        foreach (var encoding in chunk.Encodings) json.WriteStringValue(FormatName(encoding));
        json.WriteEndArray();
        json.WriteString("compression", FormatName(chunk.Compression));
        json.WriteNumber("compressed_bytes", chunk.CompressedBytes);
        json.WriteNumber("uncompressed_bytes", chunk.UncompressedBytes);
        json.WriteNumber("values", chunk.Values);
        json.WriteBoolean("has_dictionary_page", chunk.HasDictionaryPage);
        if (chunk.Statistics is { } stats)
        {
            json.WriteStartObject("statistics");
            json.WritePropertyName("min");
            WriteBound(json, chunk.Column, stats.Min);
            json.WritePropertyName("max");
            WriteBound(json, chunk.Column, stats.Max);
            WriteCount(json, "null_count", stats.NullCount);
            WriteCount(json, "distinct_count", stats.DistinctCount);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("statistics");
        }
        json.WriteEndObject();
    }

    private static void WriteBound(Utf8JsonWriter json, ParquetColumn column, object? bound)
    {
        if (bound is null) json.WriteNullValue();
        else ParquetJsonValues.WriteLeaf(json, column.Field, bound);
    }

    private static void WriteCount(Utf8JsonWriter json, string name, long? count)
    {
        if (count is { } c) json.WriteNumber(name, c);
        else json.WriteNull(name);
    }

    public void Render(IAnsiConsole console)
    {
        console.MarkupLineInterpolated($"[bold]{File}[/]: {Rows:N0} rows, {RowGroups.Count} row groups, {FileBytes:N0} bytes{(CreatedBy is null ? "" : $", created by {CreatedBy}")}");
        var tree = new Tree("schema");
        foreach (var field in Schema.Fields) AddSchemaNode(tree.AddNode(SchemaLabel(field)), field);
        console.Write(tree);
        if (Metadata.Count > 0)
        {
            var metadata = new Table().Title("key/value metadata").AddColumns("key", "value");
            foreach (var (key, value) in Metadata) metadata.AddRow(Markup.Escape(key), Markup.Escape(Shorten(value ?? "(null)")));
            console.Write(metadata);
        }
        for (int g = 0; g < RowGroups.Count; g++)
        {
            var group = RowGroups[g];
            var table = new Table().Title($"row group {g}: {group.Rows:N0} rows, {group.TotalByteSize:N0} bytes uncompressed")
                .AddColumns("column", "type", "encodings", "codec", "compressed", "uncompressed", "values", "dictionary", "min", "max", "nulls");
            foreach (var chunk in group.Columns)
            {
                var stats = chunk.Statistics;
                table.AddRow(
                    Markup.Escape(chunk.Column.DottedPath),
                    Markup.Escape(FormatName(chunk.Column.PhysicalType) + (chunk.Column.LogicalType is { } l ? $" ({l})" : "")),
                    Markup.Escape(string.Join(", ", chunk.Encodings.Select(e => FormatName(e)))),
                    FormatName(chunk.Compression),
                    chunk.CompressedBytes.ToString("N0", CultureInfo.InvariantCulture),
                    chunk.UncompressedBytes.ToString("N0", CultureInfo.InvariantCulture),
                    chunk.Values.ToString("N0", CultureInfo.InvariantCulture),
                    chunk.HasDictionaryPage ? "yes" : "no",
                    Markup.Escape(Shorten(BoundText(chunk.Column, stats?.Min))),
                    Markup.Escape(Shorten(BoundText(chunk.Column, stats?.Max))),
                    stats?.NullCount?.ToString(CultureInfo.InvariantCulture) ?? "-");
            }
            console.Write(table);
        }
    }

    private static void AddSchemaNode(TreeNode node, ParquetField field)
    {
        if (field is not ParquetGroupField group) return;
        foreach (var child in group.Children) AddSchemaNode(node.AddNode(SchemaLabel(child)), child);
    }

    private static string SchemaLabel(ParquetField field)
    {
        string type = field is ParquetPrimitiveField leaf ? FormatName(leaf.PhysicalType) + (leaf.TypeLength > 0 ? $"({leaf.TypeLength})" : "") : "group";
        string logical = field.LogicalType is { } l ? $" ({l})" : "";
        return Markup.Escape($"{field.Name}: {FormatName(field.Repetition).ToLowerInvariant()} {type}{logical}");
    }

    private static string BoundText(ParquetColumn column, object? bound)
    {
        if (bound is null) return "-";
        if (bound is string s) return s;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream)) ParquetJsonValues.WriteLeaf(json, column.Field, bound);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
