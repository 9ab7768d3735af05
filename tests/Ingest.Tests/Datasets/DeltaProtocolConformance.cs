using System.Text.Json;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Ingest.Tests.Datasets;

/// <summary>
/// An independent check of a table directory against Delta's PROTOCOL.md (reader 1 / writer 2):
/// every commit line and checkpoint column is checked on its raw form (JSON as text, Parquet
/// schema as written), never through the store's own parser, so a mistake shared by our writer
/// and our reader still shows. Returns one line per violation.
/// </summary>
public static class DeltaProtocolConformance
{
    private static readonly HashSet<string> Actions = ["commitInfo", "protocol", "metaData", "add", "remove", "txn"];

    public static List<string> Check(string tableRoot)
    {
        var problems = new List<string>();
        string logDir = Path.Combine(tableRoot, "_delta_log");
        var commits = Directory.GetFiles(logDir, "*.json").Order(StringComparer.Ordinal).ToArray();
        if (commits.Length == 0) problems.Add("no commits");
        TableShape? shape = null;
        for (int i = 0; i < commits.Length; i++)
        {
            string name = Path.GetFileName(commits[i]);
            if (name != $"{i:D20}.json") problems.Add($"{name}: expected commit {i:D20}.json (zero-padded, contiguous)");
            shape = CheckCommit(commits[i], i, tableRoot, shape, problems);
        }
        foreach (var checkpoint in Directory.GetFiles(logDir, "*.checkpoint.parquet"))
            CheckCheckpointSchema(checkpoint, problems);
        return problems;
    }

    /// <summary>What later commits are checked against: the partition columns and the schema's columns and types.</summary>
    private sealed record TableShape(IReadOnlyList<string> PartitionColumns, IReadOnlyDictionary<string, string> ColumnTypes);

    private static TableShape? CheckCommit(string file, long version, string tableRoot, TableShape? shape, List<string> problems)
    {
        string at = Path.GetFileName(file);
        var lines = File.ReadAllLines(file).Where(l => l.Trim().Length > 0).ToArray();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var addPaths = new HashSet<string>(StringComparer.Ordinal);
        var removePaths = new HashSet<string>(StringComparer.Ordinal);
        var appIds = new HashSet<string>(StringComparer.Ordinal);
        for (int n = 0; n < lines.Length; n++)
        {
            string where = $"{at} line {n + 1}";
            using var doc = JsonDocument.Parse(lines[n]);
            var props = doc.RootElement.EnumerateObject().ToArray();
            if (props.Length != 1) { problems.Add($"{where}: an action line holds exactly one action, found {props.Length}"); continue; }
            string kind = props[0].Name;
            var e = props[0].Value;
            if (!Actions.Contains(kind)) { problems.Add($"{where}: unexpected action '{kind}'"); continue; }
            seen[kind] = seen.GetValueOrDefault(kind) + 1;
            if (kind == "commitInfo" && n != 0) problems.Add($"{where}: commitInfo is not the first action");
            switch (kind)
            {
                case "protocol":
                    RequireInt(e, "minReaderVersion", where, problems);
                    RequireInt(e, "minWriterVersion", where, problems);
                    if (e.TryGetProperty("minReaderVersion", out var rv) && rv.GetInt32() < 3 && e.TryGetProperty("readerFeatures", out _))
                        problems.Add($"{where}: readerFeatures only exist with reader version 3");
                    if (e.TryGetProperty("minWriterVersion", out var wv) && wv.GetInt32() < 7 && e.TryGetProperty("writerFeatures", out _))
                        problems.Add($"{where}: writerFeatures only exist with writer version 7");
                    break;
                case "metaData":
                    shape = CheckMetadata(e, where, problems) ?? shape;
                    break;
                case "add":
                    if (shape is null) { problems.Add($"{where}: add before any metaData"); break; }
                    if (RequireString(e, "path", where, problems) is { } addPath)
                    {
                        if (!addPaths.Add(addPath)) problems.Add($"{where}: path '{addPath}' added twice in one commit");
                        CheckPath(addPath, tableRoot, where, problems, mustExist: false);
                    }
                    CheckPartitionValues(e, shape, where, problems, required: true);
                    RequireLong(e, "size", where, problems);
                    RequireLong(e, "modificationTime", where, problems);
                    RequireBool(e, "dataChange", where, problems);
                    CheckStats(e, shape, where, problems);
                    CheckStringMap(e, "tags", where, problems);
                    break;
                case "remove":
                    if (shape is null) { problems.Add($"{where}: remove before any metaData"); break; }
                    if (RequireString(e, "path", where, problems) is { } removePath && !removePaths.Add(removePath))
                        problems.Add($"{where}: path '{removePath}' removed twice in one commit");
                    RequireBool(e, "dataChange", where, problems);
                    if (e.TryGetProperty("deletionTimestamp", out _)) RequireLong(e, "deletionTimestamp", where, problems);
                    bool extended = e.TryGetProperty("extendedFileMetadata", out var ext) && ext.ValueKind == JsonValueKind.True;
                    if (extended)
                    {
                        CheckPartitionValues(e, shape, where, problems, required: true);
                        RequireLong(e, "size", where, problems);
                    }
                    CheckStats(e, shape, where, problems);
                    CheckStringMap(e, "tags", where, problems);
                    break;
                case "txn":
                    if (RequireString(e, "appId", where, problems) is { } app && !appIds.Add(app))
                        problems.Add($"{where}: two txn actions for appId '{app}' in one commit");
                    RequireLong(e, "version", where, problems);
                    if (e.TryGetProperty("lastUpdated", out _)) RequireLong(e, "lastUpdated", where, problems);
                    break;
                case "commitInfo":
                    if (e.ValueKind != JsonValueKind.Object) problems.Add($"{where}: commitInfo is not an object");
                    break;
            }
        }
        if (seen.GetValueOrDefault("metaData") > 1) problems.Add($"{at}: more than one metaData action");
        if (seen.GetValueOrDefault("protocol") > 1) problems.Add($"{at}: more than one protocol action");
        if (version == 0 && (seen.GetValueOrDefault("metaData") != 1 || seen.GetValueOrDefault("protocol") != 1))
            problems.Add($"{at}: the first version must hold a protocol and a metaData action");
        return shape;
    }

    private static TableShape? CheckMetadata(JsonElement e, string where, List<string> problems)
    {
        if (RequireString(e, "id", where, problems) is { } id && !Guid.TryParse(id, out _)) problems.Add($"{where}: metaData.id '{id}' is not a GUID");
        if (!e.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.Object)
            problems.Add($"{where}: metaData.format is required");
        else
        {
            if (RequireString(format, "provider", where, problems) is { } provider && provider != "parquet")
                problems.Add($"{where}: format.provider is '{provider}', expected parquet");
            CheckStringMap(format, "options", where, problems, required: true);
        }
        CheckStringMap(e, "configuration", where, problems, required: true);
        if (e.TryGetProperty("createdTime", out _)) RequireLong(e, "createdTime", where, problems);
        if (RequireString(e, "schemaString", where, problems) is not { } schemaString) return null;
        if (!e.TryGetProperty("partitionColumns", out var pcs) || pcs.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"{where}: metaData.partitionColumns must be an array");
            return null;
        }
        var partitionColumns = pcs.EnumerateArray().Select(x => x.GetString()!).ToList();

        using var schema = JsonDocument.Parse(schemaString);
        var root = schema.RootElement;
        if (root.GetProperty("type").GetString() != "struct") problems.Add($"{where}: schemaString is not a struct type");
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var lowerNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var field in root.GetProperty("fields").EnumerateArray())
        {
            string fieldName = field.GetProperty("name").GetString()!;
            if (!lowerNames.Add(fieldName)) problems.Add($"{where}: column names must be unique regardless of case ('{fieldName}')");
            if (field.GetProperty("nullable").ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                problems.Add($"{where}: field '{fieldName}' has no boolean nullable");
            if (field.GetProperty("metadata").ValueKind != JsonValueKind.Object) problems.Add($"{where}: field '{fieldName}' has no metadata object");
            var type = field.GetProperty("type");
            types[fieldName] = type.ValueKind == JsonValueKind.String ? type.GetString()! : type.GetProperty("type").GetString()!;
        }
        foreach (var pc in partitionColumns)
        {
            if (!types.TryGetValue(pc, out var t)) problems.Add($"{where}: partition column '{pc}' is not in the schema");
            else if (t is not ("string" or "long" or "integer" or "short" or "byte" or "boolean" or "date" or "timestamp"))
                problems.Add($"{where}: partition column '{pc}' has non-primitive type {t}");
        }
        return new TableShape(partitionColumns, types);
    }

    private static void CheckPartitionValues(JsonElement e, TableShape shape, string where, List<string> problems, bool required)
    {
        if (!e.TryGetProperty("partitionValues", out var pv))
        {
            if (required) problems.Add($"{where}: partitionValues is required");
            return;
        }
        if (pv.ValueKind != JsonValueKind.Object) { problems.Add($"{where}: partitionValues is not a map"); return; }
        var keys = pv.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
        if (!keys.SequenceEqual(shape.PartitionColumns.Order(StringComparer.Ordinal)))
            problems.Add($"{where}: partitionValues keys [{string.Join(",", keys)}] differ from partitionColumns [{string.Join(",", shape.PartitionColumns)}]");
        foreach (var p in pv.EnumerateObject())
            if (p.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                problems.Add($"{where}: partition value '{p.Name}' is not a string");
    }

    private static void CheckStats(JsonElement e, TableShape shape, string where, List<string> problems)
    {
        if (!e.TryGetProperty("stats", out var statsText)) return;
        if (statsText.ValueKind != JsonValueKind.String) { problems.Add($"{where}: stats must be a JSON string"); return; }
        using var stats = JsonDocument.Parse(statsText.GetString()!);
        var s = stats.RootElement;
        if (!s.TryGetProperty("numRecords", out var num) || num.ValueKind != JsonValueKind.Number || !num.TryGetInt64(out long rows) || rows < 0)
            problems.Add($"{where}: stats.numRecords must be a non-negative long");
        foreach (var section in new[] { "minValues", "maxValues", "nullCount" })
        {
            if (!s.TryGetProperty(section, out var values)) continue;
            foreach (var column in values.EnumerateObject())
            {
                if (shape.PartitionColumns.Contains(column.Name))
                    problems.Add($"{where}: stats.{section} has partition column '{column.Name}' (data files do not store it)");
                else if (!shape.ColumnTypes.TryGetValue(column.Name, out var type))
                    problems.Add($"{where}: stats.{section} names '{column.Name}', which is not in the schema");
                else if (section == "nullCount" ? !column.Value.TryGetInt64(out _) : !ValueFits(column.Value, type))
                    problems.Add($"{where}: stats.{section}.{column.Name} = {column.Value.GetRawText()} does not fit type {type}");
            }
        }
    }

    private static bool ValueFits(JsonElement v, string type) => type switch
    {
        "long" or "integer" or "short" or "byte" => v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out _),
        "float" or "double" => v.ValueKind == JsonValueKind.Number,
        "string" => v.ValueKind == JsonValueKind.String,
        _ => false,
    };

    private static void CheckPath(string path, string tableRoot, string where, List<string> problems, bool mustExist)
    {
        if (path.StartsWith('/') || path.Contains("://", StringComparison.Ordinal)) { problems.Add($"{where}: path '{path}' is not table-relative"); return; }
        string decoded = Uri.UnescapeDataString(path);
        var segments = decoded.Split('/');
        if (segments.Take(segments.Length - 1).Any(d => d.StartsWith('_') || d.StartsWith('.')))
            problems.Add($"{where}: data file '{path}' lies in a hidden folder");
        if (mustExist && !File.Exists(Path.Combine(tableRoot, decoded))) problems.Add($"{where}: data file '{path}' (decoded '{decoded}') does not exist");
    }

    private static void CheckStringMap(JsonElement e, string name, string where, List<string> problems, bool required = false)
    {
        if (!e.TryGetProperty(name, out var map))
        {
            if (required) problems.Add($"{where}: {name} is required");
            return;
        }
        if (map.ValueKind != JsonValueKind.Object) { problems.Add($"{where}: {name} is not a map"); return; }
        foreach (var p in map.EnumerateObject())
            if (p.Value.ValueKind != JsonValueKind.String) problems.Add($"{where}: {name}.{p.Name} is not a string");
    }

    private static string? RequireString(JsonElement e, string name, string where, List<string> problems)
    {
        if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String) return v.GetString();
        problems.Add($"{where}: {name} must be a string");
        return null;
    }

    private static void RequireLong(JsonElement e, string name, string where, List<string> problems)
    {
        if (!(e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out _)))
            problems.Add($"{where}: {name} must be a long");
    }

    private static void RequireInt(JsonElement e, string name, string where, List<string> problems)
    {
        if (!(e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out _)))
            problems.Add($"{where}: {name} must be an int");
    }

    private static void RequireBool(JsonElement e, string name, string where, List<string> problems)
    {
        if (!(e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False))
            problems.Add($"{where}: {name} must be a boolean");
    }

    // PROTOCOL.md "Checkpoint Schema": one optional struct per action; maps as MAP, stats as a
    // string, remove tombstones without stats and tags.
    private static readonly Dictionary<string, string> CheckpointLeaves = new(StringComparer.Ordinal)
    {
        ["txn.appId"] = "string", ["txn.version"] = "long", ["txn.lastUpdated"] = "long",
        ["add.path"] = "string", ["add.partitionValues"] = "map", ["add.size"] = "long", ["add.modificationTime"] = "long",
        ["add.dataChange"] = "boolean", ["add.stats"] = "string", ["add.tags"] = "map",
        ["remove.path"] = "string", ["remove.deletionTimestamp"] = "long", ["remove.dataChange"] = "boolean",
        ["remove.extendedFileMetadata"] = "boolean", ["remove.partitionValues"] = "map", ["remove.size"] = "long",
        ["metaData.id"] = "string", ["metaData.name"] = "string", ["metaData.description"] = "string", ["metaData.format"] = "struct",
        ["metaData.schemaString"] = "string", ["metaData.partitionColumns"] = "list", ["metaData.createdTime"] = "long",
        ["metaData.configuration"] = "map",
        ["protocol.minReaderVersion"] = "int", ["protocol.minWriterVersion"] = "int",
    };

    private static void CheckCheckpointSchema(string file, List<string> problems)
    {
        string at = Path.GetFileName(file);
        using var reader = new ParquetFileReader(File.ReadAllBytes(file), at);
        foreach (var action in new[] { "add", "remove", "metaData", "protocol" })
            if (!reader.Schema.Fields.Any(f => f.Name == action)) problems.Add($"{at}: no '{action}' column");
        foreach (var top in reader.Schema.Fields)
        {
            if (top is not ParquetGroupField group || top.Repetition != ParquetRepetition.Optional)
            {
                problems.Add($"{at}: top-level column '{top.Name}' is not an optional struct");
                continue;
            }
            foreach (var field in group.Children)
            {
                string path = $"{top.Name}.{field.Name}";
                if (top.Name == "remove" && field.Name is "stats" or "tags") problems.Add($"{at}: checkpoint tombstones must not carry {field.Name}");
                if (!CheckpointLeaves.TryGetValue(path, out var expected)) continue;
                string actual = field switch
                {
                    ParquetGroupField g when g.LogicalType?.Kind == ParquetLogicalKind.Map => "map",
                    ParquetGroupField g when g.LogicalType?.Kind == ParquetLogicalKind.List => "list",
                    ParquetGroupField => "struct",
                    ParquetPrimitiveField { IsText: true } => "string",
                    ParquetPrimitiveField p when p.PhysicalType == ParquetPhysicalType.Int64 => "long",
                    ParquetPrimitiveField p when p.PhysicalType == ParquetPhysicalType.Int32 => "int",
                    ParquetPrimitiveField p when p.PhysicalType == ParquetPhysicalType.Boolean => "boolean",
                    _ => "other",
                };
                if (actual != expected) problems.Add($"{at}: {path} is {actual}, the protocol's checkpoint schema has {expected}");
            }
        }
        foreach (var required in new[] { "add.path", "add.partitionValues", "add.size", "add.modificationTime", "add.dataChange", "add.stats",
                     "remove.path", "remove.deletionTimestamp", "remove.dataChange", "metaData.id", "metaData.format", "metaData.schemaString",
                     "metaData.partitionColumns", "metaData.configuration", "protocol.minReaderVersion", "protocol.minWriterVersion" })
        {
            var parts = required.Split('.');
            if (reader.Schema.Fields.FirstOrDefault(f => f.Name == parts[0]) is ParquetGroupField g && g.Children.All(c => c.Name != parts[1]))
                problems.Add($"{at}: no {required} column");
        }
    }
}
