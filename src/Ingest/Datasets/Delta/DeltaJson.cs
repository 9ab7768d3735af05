using System.Buffers;
using System.Text;
using System.Text.Json;

namespace OfflineSafety.Ingest.Datasets.Delta;

/// <summary>
/// Reads and writes Delta commit files: newline-delimited JSON, one action object per line, each
/// object keyed by the action's name. Optional fields that are absent are omitted, never null.
/// </summary>
public static class DeltaJson
{
    // Relaxed escaping: log files are not HTML; quotes inside the stats string stay \" and
    // non-ASCII partition values stay readable UTF-8.
    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] WriteCommit(IEnumerable<DeltaAction> actions)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        foreach (var action in actions)
        {
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
                WriteAction(writer, action);
            buffer.Write("\n"u8);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteAction(Utf8JsonWriter w, DeltaAction action)
    {
        w.WriteStartObject();
        switch (action)
        {
            case CommitInfo c:
                w.WriteStartObject("commitInfo");
                w.WriteNumber("timestamp", c.Timestamp);
                w.WriteString("operation", c.Operation);
                WriteMap(w, "operationParameters", c.OperationParameters);
                WriteMap(w, "operationMetrics", c.OperationMetrics);
                if (c.ReadVersion is { } rv) w.WriteNumber("readVersion", rv);
                if (c.IsBlindAppend is { } blind) w.WriteBoolean("isBlindAppend", blind);
                if (c.EngineInfo is { } engine) w.WriteString("engineInfo", engine);
                w.WriteEndObject();
                break;
            case ProtocolAction p:
                w.WriteStartObject("protocol");
                w.WriteNumber("minReaderVersion", p.MinReaderVersion);
                w.WriteNumber("minWriterVersion", p.MinWriterVersion);
                w.WriteEndObject();
                break;
            case MetadataAction m:
                w.WriteStartObject("metaData");
                w.WriteString("id", m.Id);
                if (m.Name is { } name) w.WriteString("name", name);
                if (m.Description is { } description) w.WriteString("description", description);
                w.WriteStartObject("format");
                w.WriteString("provider", m.Provider);
                w.WriteStartObject("options");
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteString("schemaString", m.SchemaString);
                w.WriteStartArray("partitionColumns");
                foreach (var c in m.PartitionColumns) w.WriteStringValue(c);
                w.WriteEndArray();
                WriteMap(w, "configuration", m.Configuration);
                if (m.CreatedTime is { } created) w.WriteNumber("createdTime", created);
                w.WriteEndObject();
                break;
            case AddFile a:
                w.WriteStartObject("add");
                w.WriteString("path", a.Path);
                WriteNullableMap(w, "partitionValues", a.PartitionValues);
                w.WriteNumber("size", a.Size);
                w.WriteNumber("modificationTime", a.ModificationTime);
                w.WriteBoolean("dataChange", a.DataChange);
                if (a.Stats is { } stats) w.WriteString("stats", stats);
                if (a.Tags is { } tags) WriteMap(w, "tags", tags);
                w.WriteEndObject();
                break;
            case RemoveFile r:
                w.WriteStartObject("remove");
                w.WriteString("path", r.Path);
                if (r.DeletionTimestamp is { } ts) w.WriteNumber("deletionTimestamp", ts);
                w.WriteBoolean("dataChange", r.DataChange);
                if (r.ExtendedFileMetadata)
                {
                    w.WriteBoolean("extendedFileMetadata", true);
                    WriteNullableMap(w, "partitionValues", r.PartitionValues!);
                    w.WriteNumber("size", r.Size!.Value);
                }
                if (r.Stats is { } removedStats) w.WriteString("stats", removedStats);
                if (r.Tags is { } removedTags) WriteMap(w, "tags", removedTags);
                w.WriteEndObject();
                break;
            case TransactionAction t:
                w.WriteStartObject("txn");
                w.WriteString("appId", t.AppId);
                w.WriteNumber("version", t.Version);
                if (t.LastUpdated is { } lu) w.WriteNumber("lastUpdated", lu);
                w.WriteEndObject();
                break;
            default:
                throw new ArgumentException($"cannot serialize action {action.GetType().Name}", nameof(action));
        }
        w.WriteEndObject();
    }

    /// <summary>Parses a commit file. <paramref name="source"/> names it in error messages.</summary>
    public static List<DeltaAction> ReadCommit(ReadOnlySpan<byte> content, string source)
    {
        var actions = new List<DeltaAction>();
        int lineNumber = 0;
        while (!content.IsEmpty)
        {
            lineNumber++;
            int nl = content.IndexOf((byte)'\n');
            var line = nl < 0 ? content : content[..nl];
            content = nl < 0 ? default : content[(nl + 1)..];
            if (line.Trim(" \r\t"u8).IsEmpty) continue;
            try
            {
                using var doc = JsonDocument.Parse(line.ToArray());
                if (ReadAction(doc.RootElement) is { } action) actions.Add(action);
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{source} line {lineNumber}: not a valid Delta action ({ex.Message})", ex);
            }
        }
        return actions;
    }

    /// <summary>One action object; null for actions this reader does not model (cdc, domainMetadata, ...).</summary>
    public static DeltaAction? ReadAction(JsonElement root)
    {
        foreach (var property in root.EnumerateObject())
        {
            var e = property.Value;
            switch (property.Name)
            {
                case "commitInfo":
                    return new CommitInfo(
                        e.TryGetProperty("timestamp", out var ts) && ts.ValueKind == JsonValueKind.Number ? ts.GetInt64() : 0,
                        OptString(e, "operation") ?? "",
                        ReadLooseMap(e, "operationParameters"),
                        ReadLooseMap(e, "operationMetrics"),
                        OptString(e, "engineInfo"),
                        OptLong(e, "readVersion"),
                        e.TryGetProperty("isBlindAppend", out var blind) && blind.ValueKind is JsonValueKind.True or JsonValueKind.False ? blind.GetBoolean() : null);
                case "protocol":
                    return new ProtocolAction(e.GetProperty("minReaderVersion").GetInt32(), e.GetProperty("minWriterVersion").GetInt32());
                case "metaData":
                    var format = e.GetProperty("format");
                    return new MetadataAction(
                        e.GetProperty("id").GetString()!,
                        e.GetProperty("schemaString").GetString()!,
                        e.GetProperty("partitionColumns").EnumerateArray().Select(x => x.GetString()!).ToArray(),
                        ReadLooseMap(e, "configuration"),
                        OptLong(e, "createdTime"),
                        OptString(format, "provider") ?? "parquet",
                        OptString(e, "name"),
                        OptString(e, "description"));
                case "add":
                    return new AddFile(
                        e.GetProperty("path").GetString()!,
                        ReadNullableMap(e, "partitionValues"),
                        e.GetProperty("size").GetInt64(),
                        e.GetProperty("modificationTime").GetInt64(),
                        e.GetProperty("dataChange").GetBoolean(),
                        OptString(e, "stats"),
                        e.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object ? ReadLooseMap(e, "tags") : null);
                case "remove":
                    return new RemoveFile(
                        e.GetProperty("path").GetString()!,
                        OptLong(e, "deletionTimestamp"),
                        e.GetProperty("dataChange").GetBoolean(),
                        e.TryGetProperty("partitionValues", out var pv) && pv.ValueKind == JsonValueKind.Object ? ReadNullableMap(e, "partitionValues") : null,
                        OptLong(e, "size"),
                        OptString(e, "stats"),
                        e.TryGetProperty("tags", out var removedTags) && removedTags.ValueKind == JsonValueKind.Object ? ReadLooseMap(e, "tags") : null);
                case "txn":
                    return new TransactionAction(e.GetProperty("appId").GetString()!, e.GetProperty("version").GetInt64(), OptLong(e, "lastUpdated"));
            }
        }
        return null;
    }

    private static void WriteMap(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string> map)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(k, v);
        w.WriteEndObject();
    }

    private static void WriteNullableMap(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string?> map)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (v is null) w.WriteNull(k);
            else w.WriteString(k, v);
        }
        w.WriteEndObject();
    }

    // Other engines write commitInfo fields with non-string values (numbers, nested objects); keep
    // their JSON text rather than failing on a field that is provenance only.
    private static Dictionary<string, string> ReadLooseMap(JsonElement parent, string name)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.Object) return map;
        foreach (var p in e.EnumerateObject())
            map[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        return map;
    }

    private static Dictionary<string, string?> ReadNullableMap(JsonElement parent, string name)
    {
        var map = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.Object) return map;
        foreach (var p in e.EnumerateObject())
            map[p.Name] = p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.GetString();
        return map;
    }

    private static string? OptString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? OptLong(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    public static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
