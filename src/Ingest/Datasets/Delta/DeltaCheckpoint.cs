using OfflineSafety.Ingest.Parquet;

namespace OfflineSafety.Ingest.Datasets.Delta;

/// <summary>
/// Classic single-file Delta checkpoints (V1 spec, PROTOCOL.md "Checkpoints" and "Checkpoint
/// Schema"): one Parquet row per action, with one nullable struct column per action kind (txn,
/// add, remove, metaData, protocol); in each row exactly one of them is set. Maps are Parquet
/// MAPs, `add.stats` stays a JSON string, every field is optional as Spark writes them.
/// </summary>
public static class DeltaCheckpoint
{
    private static ParquetPrimitiveField Str(string name) => ParquetField.String(name, optional: true);
    private static ParquetPrimitiveField Long(string name) => ParquetField.Int64(name, optional: true);
    private static ParquetPrimitiveField Bool(string name) => ParquetField.Boolean(name, optional: true);
    private static ParquetGroupField StringMap(string name) =>
        ParquetField.Map(name, ParquetField.String("key"), ParquetField.String("value", optional: true), optional: true);

    public static ParquetSchema Schema { get; } = new(
        ParquetField.Struct("txn", true, Str("appId"), Long("version"), Long("lastUpdated")),
        ParquetField.Struct("add", true, Str("path"), StringMap("partitionValues"), Long("size"), Long("modificationTime"),
            Bool("dataChange"), Str("stats"), StringMap("tags")),
        ParquetField.Struct("remove", true, Str("path"), Long("deletionTimestamp"), Bool("dataChange"), Bool("extendedFileMetadata"),
            StringMap("partitionValues"), Long("size")),
        ParquetField.Struct("metaData", true, Str("id"), Str("name"), Str("description"),
            ParquetField.Struct("format", true, Str("provider"), StringMap("options")),
            Str("schemaString"), ParquetField.List("partitionColumns", Str("element"), optional: true), StringMap("configuration"), Long("createdTime")),
        ParquetField.Struct("protocol", true, ParquetField.Int32("minReaderVersion", optional: true), ParquetField.Int32("minWriterVersion", optional: true)));

    private const int Txn = 0, Add = 1, Remove = 2, Metadata = 3, Protocol = 4;

    public static byte[] Write(IReadOnlyList<DeltaAction> actions)
    {
        var stream = new MemoryStream();
        using (var writer = new ParquetFileWriter(stream, Schema, new ParquetWriteOptions { Compression = ParquetCompression.Snappy }, leaveOpen: true))
        {
            foreach (var action in actions)
            {
                var row = new object?[5];
                switch (action)
                {
                    case TransactionAction t:
                        row[Txn] = new Dictionary<string, object?> { ["appId"] = t.AppId, ["version"] = t.Version, ["lastUpdated"] = t.LastUpdated };
                        break;
                    case AddFile a:
                        row[Add] = new Dictionary<string, object?>
                        {
                            ["path"] = a.Path,
                            ["partitionValues"] = Entries(a.PartitionValues),
                            ["size"] = a.Size,
                            ["modificationTime"] = a.ModificationTime,
                            ["dataChange"] = a.DataChange,
                            ["stats"] = a.Stats,
                            ["tags"] = Entries(a.Tags),
                        };
                        break;
                    case RemoveFile r:
                        row[Remove] = new Dictionary<string, object?>
                        {
                            ["path"] = r.Path,
                            ["deletionTimestamp"] = r.DeletionTimestamp,
                            ["dataChange"] = r.DataChange,
                            ["extendedFileMetadata"] = r.ExtendedFileMetadata ? true : null,
                            ["partitionValues"] = Entries(r.PartitionValues),
                            ["size"] = r.Size,
                        };
                        break;
                    case MetadataAction m:
                        row[Metadata] = new Dictionary<string, object?>
                        {
                            ["id"] = m.Id,
                            ["name"] = m.Name,
                            ["description"] = m.Description,
                            ["format"] = new Dictionary<string, object?> { ["provider"] = m.Provider, ["options"] = Entries(new Dictionary<string, string>()) },
                            ["schemaString"] = m.SchemaString,
                            ["partitionColumns"] = m.PartitionColumns,
                            ["configuration"] = Entries(m.Configuration),
                            ["createdTime"] = m.CreatedTime,
                        };
                        break;
                    case ProtocolAction p:
                        row[Protocol] = new Dictionary<string, object?> { ["minReaderVersion"] = p.MinReaderVersion, ["minWriterVersion"] = p.MinWriterVersion };
                        break;
                    default:
                        // Checkpoints carry state only; commitInfo (provenance) is never part of it.
                        continue;
                }
                writer.WriteRow(row);
            }
        }
        return stream.ToArray();
    }

    /// <summary>The actions of a checkpoint. <paramref name="source"/> names the file in errors.</summary>
    public static IReadOnlyList<DeltaAction> Read(byte[] file, string source)
    {
        using var reader = new ParquetFileReader(file, source);
        var names = reader.GetRowFieldNames().ToList();
        int Index(string name) => names.IndexOf(name);
        int txn = Index("txn"), add = Index("add"), remove = Index("remove"), metadata = Index("metaData"), protocol = Index("protocol");
        var actions = new List<DeltaAction>(checked((int)reader.RowCount));
        long rowNumber = 0;
        foreach (var row in reader.ReadRows())
        {
            try
            {
                if (Struct(row, add) is { } a)
                    actions.Add(new AddFile(Get<string>(a, "path"), NullableMap(a, "partitionValues") ?? new(), Get<long>(a, "size"),
                        Get<long>(a, "modificationTime"), Get<bool>(a, "dataChange"), Opt<string>(a, "stats"), StringMap(a, "tags")));
                else if (Struct(row, remove) is { } r)
                    actions.Add(new RemoveFile(Get<string>(r, "path"), OptValue<long>(r, "deletionTimestamp"), Get<bool>(r, "dataChange"),
                        NullableMap(r, "partitionValues"), OptValue<long>(r, "size")));
                else if (Struct(row, metadata) is { } m)
                {
                    var format = m.TryGetValue("format", out var f) ? f as Dictionary<string, object?> : null;
                    var partitionColumns = m.TryGetValue("partitionColumns", out var pc) && pc is List<object?> list
                        ? list.Select(x => (string)x!).ToArray() : [];
                    actions.Add(new MetadataAction(Get<string>(m, "id"), Get<string>(m, "schemaString"), partitionColumns,
                        StringMap(m, "configuration") ?? new(), OptValue<long>(m, "createdTime"),
                        format is not null ? Opt<string>(format, "provider") ?? "parquet" : "parquet", Opt<string>(m, "name"), Opt<string>(m, "description")));
                }
                else if (Struct(row, protocol) is { } p)
                    actions.Add(new ProtocolAction(Get<int>(p, "minReaderVersion"), Get<int>(p, "minWriterVersion")));
                else if (Struct(row, txn) is { } t)
                    actions.Add(new TransactionAction(Get<string>(t, "appId"), Get<long>(t, "version"), OptValue<long>(t, "lastUpdated")));
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidCastException)
            {
                throw new InvalidDataException($"{source} row {rowNumber}: not a valid checkpoint action ({ex.Message})", ex);
            }
            rowNumber++;
        }
        return actions;
    }

    // The row API takes maps as key/value pair sequences; keys are written in ordinal order so
    // that checkpoints of equal state are byte-identical.
    private static List<KeyValuePair<object, object?>>? Entries<TValue>(IReadOnlyDictionary<string, TValue>? map) =>
        map?.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new KeyValuePair<object, object?>(kv.Key, kv.Value)).ToList();

    private static Dictionary<string, object?>? Struct(object?[] row, int index) =>
        index >= 0 ? row[index] as Dictionary<string, object?> : null;

    private static T Get<T>(Dictionary<string, object?> s, string field) =>
        s.TryGetValue(field, out var v) && v is T t ? t : throw new KeyNotFoundException($"required field '{field}' is missing");

    private static T? Opt<T>(Dictionary<string, object?> s, string field) where T : class =>
        s.TryGetValue(field, out var v) ? v as T : null;

    private static T? OptValue<T>(Dictionary<string, object?> s, string field) where T : struct =>
        s.TryGetValue(field, out var v) && v is T t ? t : null;

    private static Dictionary<string, string?>? NullableMap(Dictionary<string, object?> s, string field)
    {
        if (!s.TryGetValue(field, out var v) || v is not List<KeyValuePair<object, object?>> entries) return null;
        var map = new Dictionary<string, string?>(entries.Count, StringComparer.Ordinal);
        foreach (var (k, value) in entries) map[(string)k] = (string?)value;
        return map;
    }

    private static Dictionary<string, string>? StringMap(Dictionary<string, object?> s, string field)
    {
        if (NullableMap(s, field) is not { } map) return null;
        var result = new Dictionary<string, string>(map.Count, StringComparer.Ordinal);
        foreach (var (k, v) in map) result[k] = v ?? "";
        return result;
    }
}
