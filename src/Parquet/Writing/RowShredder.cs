using System.Collections;
using System.Globalization;
using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Parquet.Writing;

/// <summary>
/// Dremel shredding of row objects into per-leaf levels and values. Row values follow the
/// conventions of the row API: scalars as their .NET type, lists as any <see cref="IEnumerable"/>,
/// structs as <c>IReadOnlyDictionary&lt;string, object?&gt;</c> (or an object?[] in field order),
/// maps as <see cref="IDictionary"/> or a sequence of <c>KeyValuePair&lt;object, object?&gt;</c>.
/// </summary>
internal sealed class RowShredder
{
    private readonly ParquetSchema _schema;
    private readonly LeafBuffer[] _leaves;
    private long _row;

    public RowShredder(ParquetSchema schema)
    {
        _schema = schema;
        _leaves = schema.Columns.Select(LeafBuffer.Create).ToArray();
    }

    public int BufferedRows { get; private set; }

    public void Add(object?[] row, long rowIndex)
    {
        ArgumentNullException.ThrowIfNull(row);
        var fields = _schema.RootNode.Children;
        if (row.Length != fields.Length) throw new ArgumentException($"row {rowIndex} has {row.Length} values, the schema has {fields.Length} fields");
        _row = rowIndex;
        // Shred into the buffers; on a bad value, roll every leaf back to the row's start.
        var marks = new int[_leaves.Length];
        for (int i = 0; i < _leaves.Length; i++) marks[i] = _leaves[i].Mark();
        try
        {
            for (int i = 0; i < fields.Length; i++) Shred(fields[i], row[i], 0, 0);
        }
        catch
        {
            for (int i = 0; i < _leaves.Length; i++) _leaves[i].Rollback(marks[i]);
            throw;
        }
        BufferedRows++;
    }

    /// <summary>Hands buffered levels and values to the chunk writers and clears the buffers.</summary>
    public void FlushTo(IReadOnlyList<ColumnChunkWriter> writers)
    {
        for (int i = 0; i < _leaves.Length; i++) _leaves[i].FlushTo(writers[i]);
        BufferedRows = 0;
    }

    private void Shred(SchemaNode node, object? value, int rep, int parentDef)
    {
        if (node.IsRepeated)
        {
            ShredRepeated(node, value, rep, parentDef);
            return;
        }
        if (value is null)
        {
            if (node.Field.Repetition == ParquetRepetition.Required)
                throw Bad(node, "is required but the value is null");
            EmitNull(node, rep, parentDef);
            return;
        }
        switch (node.Shape)
        {
            case NodeShape.Primitive:
                _leaves[node.Column!.Index].Add(value, rep, node.DefinitionLevel, this, node);
                return;
            case NodeShape.Struct:
                ShredFields(node, value, rep, node.DefinitionLevel);
                return;
            case NodeShape.List:
                ShredItems(node.Repeated!, AsList(node, value), rep, node.DefinitionLevel);
                return;
            case NodeShape.Map:
                ShredItems(node.Repeated!, AsEntries(node, value), rep, node.DefinitionLevel);
                return;
        }
    }

    /// <summary>A bare repeated field: its value is the list of its occurrences.</summary>
    private void ShredRepeated(SchemaNode node, object? value, int rep, int parentDef)
    {
        if (value is null)
        {
            EmitNull(node, rep, parentDef);
            return;
        }
        var items = AsList(node, value);
        if (items.Count == 0)
        {
            EmitNull(node, rep, parentDef);
            return;
        }
        for (int i = 0; i < items.Count; i++)
            ShredOccurrence(node, items[i], i == 0 ? rep : node.RepetitionLevel);
    }

    /// <summary>Items of a LIST or MAP group: each is one occurrence of the repeated child.</summary>
    private void ShredItems(SchemaNode repeated, IList items, int rep, int listDef)
    {
        if (items.Count == 0)
        {
            EmitNull(repeated, rep, listDef);
            return;
        }
        for (int i = 0; i < items.Count; i++)
        {
            int r = i == 0 ? rep : repeated.RepetitionLevel;
            var parent = repeated.Parent!;
            if (parent.Shape == NodeShape.Map) ShredMapEntry(repeated, items[i], r);
            else if (parent.Element == repeated) ShredOccurrence(repeated, items[i], r);
            else Shred(parent.Element!, items[i], r, repeated.DefinitionLevel);
        }
    }

    /// <summary>One occurrence of a repeated node whose value is the item itself.</summary>
    private void ShredOccurrence(SchemaNode node, object? item, int rep)
    {
        if (item is null) throw Bad(node, "is repeated and cannot hold a null item");
        if (node.Shape == NodeShape.Primitive) _leaves[node.Column!.Index].Add(item, rep, node.DefinitionLevel, this, node);
        else if (node.Shape is NodeShape.List or NodeShape.Map)
        {
            var list = node.Shape == NodeShape.List ? AsList(node, item) : AsEntries(node, item);
            ShredItems(node.Repeated!, list, rep, node.DefinitionLevel);
        }
        else ShredFields(node, item, rep, node.DefinitionLevel);
    }

    private void ShredMapEntry(SchemaNode repeated, object? entry, int rep)
    {
        var (key, value) = entry switch
        {
            KeyValuePair<object, object?> kv => (kv.Key, kv.Value),
            DictionaryEntry de => (de.Key, de.Value),
            _ => throw Bad(repeated, $"map entries must be KeyValuePair<object, object?>, not {entry?.GetType().Name ?? "null"}"),
        };
        var children = repeated.Children;
        Shred(children[0], key, rep, repeated.DefinitionLevel);
        if (children.Length > 1) Shred(children[1], value, rep, repeated.DefinitionLevel);
    }

    private void ShredFields(SchemaNode group, object value, int rep, int def)
    {
        var children = group.Children;
        switch (value)
        {
            case IReadOnlyDictionary<string, object?> map:
                foreach (var key in map.Keys)
                    if (!Array.Exists(children, c => c.Field.Name == key)) throw Bad(group, $"has no field '{key}'");
                foreach (var child in children) Shred(child, map.TryGetValue(child.Field.Name, out var v) ? v : null, rep, def);
                break;
            case object?[] positional when positional.Length == children.Length:
                for (int i = 0; i < children.Length; i++) Shred(children[i], positional[i], rep, def);
                break;
            default:
                throw Bad(group, $"is a struct; give IReadOnlyDictionary<string, object?> or object?[{children.Length}], not {value.GetType().Name}");
        }
    }

    /// <summary>Every leaf under an absent node records one entry at the parent's definition level.</summary>
    private void EmitNull(SchemaNode node, int rep, int def)
    {
        foreach (int leaf in node.Leaves) _leaves[leaf].AddNull(rep, def);
    }

    private IList AsList(SchemaNode node, object value) => value switch
    {
        string or byte[] => throw Bad(node, $"is a list; got {value.GetType().Name}"),
        IList list => list,
        IEnumerable e => e.Cast<object?>().ToList(),
        _ => throw Bad(node, $"is a list; got {value.GetType().Name}"),
    };

    private IList AsEntries(SchemaNode node, object value) => value switch
    {
        IDictionary d => Entries(d),
        IEnumerable<KeyValuePair<object, object?>> e => e.ToList(),
        _ => throw Bad(node, $"is a map; give IDictionary or a sequence of KeyValuePair<object, object?>, not {value.GetType().Name}"),
    };

    private static List<DictionaryEntry> Entries(IDictionary d)
    {
        var list = new List<DictionaryEntry>(d.Count);
        var e = d.GetEnumerator();
        while (e.MoveNext()) list.Add(e.Entry);
        return list;
    }

    internal ArgumentException Bad(SchemaNode node, string reason) =>
        new($"row {_row}: field {PathOf(node)} {reason}");

    private static string PathOf(SchemaNode node)
    {
        var parts = new List<string>();
        for (var n = node; n?.Parent is not null; n = n.Parent) parts.Add(n.Field.Name);
        parts.Reverse();
        return string.Join('.', parts);
    }
}

/// <summary>Levels and values of one leaf, buffered between flushes.</summary>
internal abstract class LeafBuffer
{
    protected short[] Rep = new short[64], Def = new short[64];
    protected int Levels;

    public static LeafBuffer Create(ParquetColumn column)
    {
        var t = column.ValueType;
        if (t == typeof(bool)) return new LeafBuffer<bool>(column);
        if (t == typeof(int)) return new LeafBuffer<int>(column);
        if (t == typeof(long)) return new LeafBuffer<long>(column);
        if (t == typeof(float)) return new LeafBuffer<float>(column);
        if (t == typeof(double)) return new LeafBuffer<double>(column);
        if (t == typeof(string)) return new LeafBuffer<string>(column);
        return new LeafBuffer<byte[]>(column);
    }

    public abstract int Mark();
    public abstract void Rollback(int mark);
    public abstract void Add(object value, int rep, int def, RowShredder shredder, SchemaNode node);
    public abstract void FlushTo(ColumnChunkWriter writer);

    public void AddNull(int rep, int def) => AddLevels(rep, def);

    protected void AddLevels(int rep, int def)
    {
        if (Levels == Rep.Length)
        {
            Array.Resize(ref Rep, Levels * 2);
            Array.Resize(ref Def, Levels * 2);
        }
        Rep[Levels] = (short)rep;
        Def[Levels] = (short)def;
        Levels++;
    }
}

internal sealed class LeafBuffer<T>(ParquetColumn column) : LeafBuffer where T : notnull
{
    private T[] _values = new T[64];
    private int _count;

    // A mark is the level count at a row start; the value count is remembered alongside, since
    // marks are taken for every leaf at once before each row.
    public override int Mark()
    {
        _markValues = _count;
        return Levels;
    }

    private int _markValues;

    public override void Rollback(int mark)
    {
        Levels = mark;
        _count = _markValues;
    }

    public override void Add(object value, int rep, int def, RowShredder shredder, SchemaNode node)
    {
        T converted;
        try
        {
            converted = Convert(value);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            throw shredder.Bad(node, $"holds {typeof(T).Name} values; cannot take {value.GetType().Name} '{value}' ({e.Message})");
        }
        AddLevels(rep, def);
        if (_count == _values.Length) Array.Resize(ref _values, _count * 2);
        _values[_count++] = converted;
    }

    private T Convert(object value)
    {
        if (value is T t) return t;
        object result = typeof(T) switch
        {
            var x when x == typeof(int) => value switch
            {
                DateOnly d => d.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber,
                uint u => unchecked((int)u),
                _ => System.Convert.ToInt32(value, CultureInfo.InvariantCulture),
            },
            var x when x == typeof(long) => value switch
            {
                DateTime dt => TimestampTicks(dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : dt),
                DateTimeOffset dto => TimestampTicks(dto.UtcDateTime),
                ulong u => unchecked((long)u),
                _ => System.Convert.ToInt64(value, CultureInfo.InvariantCulture),
            },
            var x when x == typeof(float) => System.Convert.ToSingle(value, CultureInfo.InvariantCulture),
            var x when x == typeof(double) => System.Convert.ToDouble(value, CultureInfo.InvariantCulture),
            var x when x == typeof(bool) => System.Convert.ToBoolean(value, CultureInfo.InvariantCulture),
            var x when x == typeof(string) => value as string ?? throw new InvalidCastException("expected a string"),
            _ => value as byte[] ?? throw new InvalidCastException("expected byte[]"),
        };
        return (T)result;
    }

    private long TimestampTicks(DateTime utc)
    {
        long ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
        return column.LogicalType?.Unit switch
        {
            ParquetTimeUnit.Millis => ticks / TimeSpan.TicksPerMillisecond,
            ParquetTimeUnit.Nanos => ticks * 100,
            _ => ticks / 10,
        };
    }

    public override void FlushTo(ColumnChunkWriter writer)
    {
        var w = (ColumnChunkWriter<T>)writer;
        w.Append(column.MaxRepetitionLevel > 0 ? Rep.AsSpan(0, Levels) : default,
            column.MaxDefinitionLevel > 0 ? Def.AsSpan(0, Levels) : default,
            _values.AsSpan(0, _count));
        Levels = 0;
        if (!typeof(T).IsValueType) Array.Clear(_values, 0, _count);
        _count = 0;
    }
}
