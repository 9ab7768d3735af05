using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

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
            Str("schemaString"), ParquetField.List("partitionColumns", Str("element"), optional: true), Long("createdTime"), StringMap("configuration")),
        ParquetField.Struct("protocol", true, ParquetField.Int32("minReaderVersion", optional: true), ParquetField.Int32("minWriterVersion", optional: true)));

    /// <summary>
    /// The checkpoint file. Columns are built directly as Dremel levels (one entry per action row
    /// per leaf): a checkpoint of a long-lived table holds one row per live file, and the columnar
    /// path keeps writing it cheap enough to do every few commits.
    /// </summary>
    public static byte[] Write(IReadOnlyList<DeltaAction> actions)
    {
        var c = new CheckpointColumns();
        foreach (var action in actions)
        {
            switch (action)
            {
                case TransactionAction t: c.Txn(t); break;
                case AddFile a: c.Add(a); break;
                case RemoveFile r: c.Remove(r); break;
                case MetadataAction m: c.Metadata(m); break;
                case ProtocolAction p: c.Protocol(p); break;
                // Checkpoints carry state only; commitInfo (provenance) is never part of it.
            }
        }
        var stream = new MemoryStream();
        using (var writer = new ParquetFileWriter(stream, Schema, new ParquetWriteOptions { Compression = ParquetCompression.Snappy }, leaveOpen: true))
            writer.WriteBatch(c.ToBatch());
        return stream.ToArray();
    }

    /// <summary>The actions of a checkpoint. <paramref name="source"/> names the file in errors.</summary>
    public static IReadOnlyList<DeltaAction> Read(byte[] file, string source)
    {
        using var reader = new ParquetFileReader(file, source);
        var actions = new List<DeltaAction>(checked((int)reader.RowCount));
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            try
            {
                ReadRowGroup(reader, g, actions);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"{source} row group {g}: not a valid checkpoint ({ex.Message})", ex);
            }
        }
        return actions;
    }

    private static void ReadRowGroup(ParquetFileReader r, int g, List<DeltaAction> actions)
    {
        int rows = checked((int)r.GetRowGroupRowCount(g));
        // A struct is present in a row when its required-by-protocol key field is: add.path,
        // remove.path, metaData.id, protocol.minReaderVersion, txn.appId.
        var addPath = Values<string>(r, g, "add.path", out var hasAdd);
        var addSize = Values<long>(r, g, "add.size", out _);
        var addTime = Values<long>(r, g, "add.modificationTime", out _);
        var addChange = Values<bool>(r, g, "add.dataChange", out _);
        var addStats = Values<string>(r, g, "add.stats", out var hasStats);
        var addPartitions = Map(r, g, "add.partitionValues");
        var addTags = Map(r, g, "add.tags");
        var removePath = Values<string>(r, g, "remove.path", out var hasRemove);
        var removeTime = Values<long>(r, g, "remove.deletionTimestamp", out var hasRemoveTime);
        var removeChange = Values<bool>(r, g, "remove.dataChange", out _);
        var removeSize = Values<long>(r, g, "remove.size", out var hasRemoveSize);
        var removePartitions = Map(r, g, "remove.partitionValues");
        var metaId = Values<string>(r, g, "metaData.id", out var hasMeta);
        var protocolReader = Values<int>(r, g, "protocol.minReaderVersion", out var hasProtocol);
        var txnApp = Values<string>(r, g, "txn.appId", out var hasTxn);

        for (int i = 0; i < rows; i++)
        {
            if (hasAdd[i])
                actions.Add(new AddFile(addPath[i], addPartitions(i) ?? new Dictionary<string, string?>(), addSize[i], addTime[i], addChange[i],
                    hasStats[i] ? addStats[i] : null, NonNull(addTags(i))));
            else if (hasRemove[i])
                actions.Add(new RemoveFile(removePath[i], hasRemoveTime[i] ? removeTime[i] : null, removeChange[i],
                    removePartitions(i), hasRemoveSize[i] ? removeSize[i] : null));
            else if (hasMeta[i])
                actions.Add(ReadMetadata(r, g, i, metaId[i]));
            else if (hasProtocol[i])
                actions.Add(new ProtocolAction(protocolReader[i], Values<int>(r, g, "protocol.minWriterVersion", out _)[i]));
            else if (hasTxn[i])
            {
                var updated = Values<long>(r, g, "txn.lastUpdated", out var hasUpdated);
                actions.Add(new TransactionAction(txnApp[i], Values<long>(r, g, "txn.version", out _)[i], hasUpdated[i] ? updated[i] : null));
            }
        }
    }

    // Rare rows (one metaData per checkpoint) read their other columns on demand.
    private static MetadataAction ReadMetadata(ParquetFileReader r, int g, int row, string id)
    {
        string? Opt(string column)
        {
            var values = Values<string>(r, g, column, out var present);
            return present[row] ? values[row] : null;
        }
        var schema = Opt("metaData.schemaString") ?? throw new InvalidDataException("metaData.schemaString is missing");
        var columns = r.ReadList<string>(g, "metaData.partitionColumns.list.element");
        string[] partitionColumns = columns.Validity is { } valid && !valid[row] ? [] : columns.Row(row).ToArray();
        var created = Values<long>(r, g, "metaData.createdTime", out var hasCreated);
        return new MetadataAction(id, schema, partitionColumns, NonNull(Map(r, g, "metaData.configuration")(row)) ?? new Dictionary<string, string>(),
            hasCreated[row] ? created[row] : null, Opt("metaData.format.provider") ?? "parquet", Opt("metaData.name"), Opt("metaData.description"));
    }

    private static T[] Values<T>(ParquetFileReader r, int g, string column, out bool[] present)
    {
        var values = r.ReadValues<T>(g, column, out var validity);
        if (validity is null)
        {
            present = new bool[values.Length];
            Array.Fill(present, true);
        }
        else present = validity;
        return values;
    }

    /// <summary>A map column as a per-row lookup (null when the map or its struct is null).</summary>
    private static Func<int, Dictionary<string, string?>?> Map(ParquetFileReader r, int g, string column)
    {
        var keys = r.ReadList<string>(g, column + ".key_value.key");
        var values = r.ReadList<string>(g, column + ".key_value.value");
        return row =>
        {
            if (keys.Validity is { } valid && !valid[row]) return null;
            var map = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (int k = keys.Offsets[row]; k < keys.Offsets[row + 1]; k++)
                map[keys.Values[k]] = values.ElementValidity is { } ev && !ev[k] ? null : values.Values[k];
            return map;
        };
    }

    private static Dictionary<string, string>? NonNull(Dictionary<string, string?>? map) =>
        map?.ToDictionary(kv => kv.Key, kv => kv.Value ?? "", StringComparer.Ordinal);

    /// <summary>
    /// Per-leaf Dremel levels for the checkpoint schema. Definition levels count the optional and
    /// repeated ancestors that are present: for a field directly under an action struct, 0 means
    /// the struct is null, 1 the field is null, 2 present; a map under an action struct has entries
    /// at 3 (value present at 4); a list element under a struct at 4.
    /// </summary>
    private sealed class CheckpointColumns
    {
        private readonly Dictionary<string, Leaf> _leaves = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Leaf[]> _outside = new(StringComparer.Ordinal);
        private int _rows;

        public CheckpointColumns()
        {
            foreach (var column in Schema.Columns)
                _leaves[column.DottedPath] = column.ValueType == typeof(string) ? new Leaf<string>(column)
                    : column.ValueType == typeof(long) ? new Leaf<long>(column)
                    : column.ValueType == typeof(int) ? new Leaf<int>(column)
                    : new Leaf<bool>(column);
            foreach (var field in Schema.Fields)
                _outside[field.Name] = Schema.Columns.Where(c => c.Path[0] != field.Name).Select(c => _leaves[c.DottedPath]).ToArray();
        }

        public void Txn(TransactionAction t) => Row("txn", () =>
        {
            Text("txn.appId", t.AppId);
            Number<long>("txn.version", t.Version);
            Number<long>("txn.lastUpdated", t.LastUpdated);
        });

        public void Add(AddFile a) => Row("add", () =>
        {
            Text("add.path", a.Path);
            MapOf("add.partitionValues", a.PartitionValues, 1);
            Number<long>("add.size", a.Size);
            Number<long>("add.modificationTime", a.ModificationTime);
            Number<bool>("add.dataChange", a.DataChange);
            Text("add.stats", a.Stats);
            MapOf("add.tags", a.Tags?.ToDictionary(kv => kv.Key, kv => (string?)kv.Value), 1);
        });

        public void Remove(RemoveFile r) => Row("remove", () =>
        {
            Text("remove.path", r.Path);
            Number<long>("remove.deletionTimestamp", r.DeletionTimestamp);
            Number<bool>("remove.dataChange", r.DataChange);
            Number<bool>("remove.extendedFileMetadata", r.ExtendedFileMetadata ? true : (bool?)null);
            MapOf("remove.partitionValues", r.PartitionValues, 1);
            Number<long>("remove.size", r.Size);
        });

        public void Metadata(MetadataAction m) => Row("metaData", () =>
        {
            Text("metaData.id", m.Id);
            Text("metaData.name", m.Name);
            Text("metaData.description", m.Description);
            Text("metaData.format.provider", m.Provider, structDef: 2);
            MapOf("metaData.format.options", new Dictionary<string, string?>(), 2);
            Text("metaData.schemaString", m.SchemaString);
            var element = (Leaf<string>)_leaves["metaData.partitionColumns.list.element"];
            if (m.PartitionColumns.Count == 0) element.Null(2, 0);
            for (int i = 0; i < m.PartitionColumns.Count; i++) element.Value(m.PartitionColumns[i], 4, i == 0 ? 0 : 1);
            MapOf("metaData.configuration", m.Configuration.ToDictionary(kv => kv.Key, kv => (string?)kv.Value), 1);
            Number<long>("metaData.createdTime", m.CreatedTime);
        });

        public void Protocol(ProtocolAction p) => Row("protocol", () =>
        {
            Number<int>("protocol.minReaderVersion", p.MinReaderVersion);
            Number<int>("protocol.minWriterVersion", p.MinWriterVersion);
        });

        public ParquetColumnBatch ToBatch()
        {
            var batch = new ParquetColumnBatch(_rows);
            foreach (var leaf in _leaves.Values) leaf.AddTo(batch);
            return batch;
        }

        // Every leaf outside the action's struct gets one "struct is null" entry for this row.
        private void Row(string action, Action fill)
        {
            fill();
            foreach (var leaf in _outside[action]) leaf.Null(0, 0);
            _rows++;
        }

        /// <param name="structDef">Definition level at which the field's parent struct is present.</param>
        private void Text(string path, string? value, int structDef = 1)
        {
            var leaf = (Leaf<string>)_leaves[path];
            if (value is null) leaf.Null(structDef, 0);
            else leaf.Value(value, structDef + 1, 0);
        }

        private void Number<T>(string path, T? value) where T : struct
        {
            var leaf = (Leaf<T>)_leaves[path];
            if (value is { } v) leaf.Value(v, 2, 0);
            else leaf.Null(1, 0);
        }

        /// <param name="parentDef">Definition level at which the map's parent struct is present.</param>
        private void MapOf(string path, IReadOnlyDictionary<string, string?>? map, int parentDef)
        {
            var keys = (Leaf<string>)_leaves[path + ".key_value.key"];
            var values = (Leaf<string>)_leaves[path + ".key_value.value"];
            if (map is null || map.Count == 0)
            {
                int def = map is null ? parentDef : parentDef + 1;
                keys.Null(def, 0);
                values.Null(def, 0);
                return;
            }
            int rep = 0;
            // Ordinal key order: checkpoints of equal state are byte-identical.
            foreach (var (k, v) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                keys.Value(k, parentDef + 2, rep);
                if (v is null) values.Null(parentDef + 2, rep);
                else values.Value(v, parentDef + 3, rep);
                rep = 1;
            }
        }
    }

    private abstract class Leaf
    {
        public abstract void Null(int def, int rep);
        public abstract void AddTo(ParquetColumnBatch batch);
    }

    private sealed class Leaf<T>(ParquetColumn column) : Leaf where T : notnull
    {
        private readonly List<T> _values = [];
        private readonly List<short> _def = [];
        private readonly List<short> _rep = [];

        public override void Null(int def, int rep)
        {
            _def.Add((short)def);
            _rep.Add((short)rep);
        }

        public void Value(T value, int def, int rep)
        {
            if (def != column.MaxDefinitionLevel)
                throw new InvalidDataException($"checkpoint column {column.DottedPath}: value at definition level {def}, expected {column.MaxDefinitionLevel}");
            _values.Add(value);
            _def.Add((short)def);
            _rep.Add((short)rep);
        }

        public override void AddTo(ParquetColumnBatch batch) =>
            batch.AddLeveled<T>(column.DottedPath, _values.ToArray(), _def.ToArray(),
                column.MaxRepetitionLevel > 0 ? _rep.ToArray() : ReadOnlyMemory<short>.Empty);
    }
}
