using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Parquet.Reading;

/// <summary>
/// Rebuilds rows from the levels and values of the selected leaf columns of one row group
/// (Dremel record assembly): the first selected leaf under a node tells whether the node is
/// present at the current position, and repetition levels tell where each list ends.
/// </summary>
internal sealed class RecordAssembler
{
    private readonly Cursor?[] _cursors;
    private readonly SchemaNode[] _fields;
    private readonly string? _file;

    public RecordAssembler(ParquetSchema schema, ParquetColumnData?[] columns, string? file)
    {
        _file = file;
        _cursors = columns.Select(c => c is null ? null : new Cursor(c)).ToArray();
        _fields = schema.RootNode.Children.Where(Selected).ToArray();
    }

    public int FieldCount => _fields.Length;

    private bool Selected(SchemaNode node) => Array.Exists(node.Leaves, l => _cursors[l] is not null);

    private Cursor First(SchemaNode node)
    {
        foreach (int l in node.Leaves)
            if (_cursors[l] is { } c) return c;
        throw new InvalidOperationException("node without selected leaves");
    }

    public object?[] NextRow()
    {
        var row = new object?[_fields.Length];
        for (int i = 0; i < _fields.Length; i++) row[i] = Read(_fields[i]);
        return row;
    }

    /// <summary>Checks that every selected column was consumed exactly.</summary>
    public void CheckFinished()
    {
        foreach (var c in _cursors)
            if (c is not null && !c.AtEnd) throw Corrupt(c, "levels remain after the last row");
    }

    private object? Read(SchemaNode node)
    {
        if (node.IsRepeated) return ReadItems(node, () => ReadOccurrence(node));
        var first = First(node);
        if (first.Def < node.DefinitionLevel)
        {
            Skip(node);
            return null;
        }
        return ReadPresent(node);
    }

    private object? ReadPresent(SchemaNode node)
    {
        switch (node.Shape)
        {
            case NodeShape.Primitive:
            {
                var c = _cursors[node.Column!.Index]!;
                var v = c.Def >= c.MaxDef ? c.NextValue() : null;
                c.Advance();
                return v;
            }
            case NodeShape.List:
            {
                var repeated = node.Repeated!;
                var element = node.Element!;
                return ReadItems(repeated, element == repeated ? () => ReadOccurrence(repeated) : () => Read(element));
            }
            case NodeShape.Map:
            {
                var repeated = node.Repeated!;
                var key = repeated.Children[0];
                var value = repeated.Children.Length > 1 ? repeated.Children[1] : null;
                bool keySelected = Selected(key), valueSelected = value is not null && Selected(value);
                return ReadItems(repeated, () =>
                {
                    object? k = keySelected ? Read(key) : null;
                    object? v = valueSelected ? Read(value!) : null;
                    return new KeyValuePair<object, object?>(k ?? throw Corrupt(First(repeated), "map key is null"), v);
                }, asMap: true);
            }
            default:
            {
                var result = new Dictionary<string, object?>(node.Children.Length, StringComparer.Ordinal);
                foreach (var child in node.Children)
                    if (Selected(child)) result[child.Field.Name] = Read(child);
                return result;
            }
        }
    }

    /// <summary>One occurrence of a repeated node (present by construction).</summary>
    private object? ReadOccurrence(SchemaNode node) => ReadPresent(node);

    private object ReadItems(SchemaNode repeated, Func<object?> readItem, bool asMap = false)
    {
        var first = First(repeated);
        System.Collections.IList items = asMap ? new List<KeyValuePair<object, object?>>() : new List<object?>();
        if (first.Def < repeated.DefinitionLevel)
        {
            Skip(repeated);
            return items;
        }
        while (true)
        {
            items.Add(readItem());
            if (first.AtEnd) break;
            int rep = first.Rep;
            if (rep < repeated.RepetitionLevel) break;
            if (rep > repeated.RepetitionLevel) throw Corrupt(first, $"repetition level {rep} where at most {repeated.RepetitionLevel} can follow");
        }
        return items;
    }

    /// <summary>The node is absent here: each of its leaves holds exactly one entry for it.</summary>
    private void Skip(SchemaNode node)
    {
        foreach (int l in node.Leaves) _cursors[l]?.Advance();
    }

    private ParquetFormatException Corrupt(Cursor c, string reason) => new(reason, _file, null, c.Data.Column.DottedPath);

    private sealed class Cursor(ParquetColumnData data)
    {
        private int _level, _value;
        public ParquetColumnData Data { get; } = data;
        public int MaxDef { get; } = data.Column.MaxDefinitionLevel;
        public bool AtEnd => _level >= Data.LevelCount;

        public int Def
        {
            get
            {
                if (AtEnd) throw new ParquetFormatException("levels end before the row group's last row", null, null, Data.Column.DottedPath);
                return Data.DefinitionLevels?[_level] ?? MaxDef;
            }
        }

        public int Rep => Data.RepetitionLevels?[_level] ?? 0;

        public void Advance() => _level++;

        public object? NextValue()
        {
            if (_value >= Data.ValueCount) throw new ParquetFormatException("more values referenced than the column holds", null, null, Data.Column.DottedPath);
            return Data.Values.GetValue(_value++);
        }
    }
}
