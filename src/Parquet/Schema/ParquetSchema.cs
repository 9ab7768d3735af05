namespace OfflineSafety.Parquet.Schema;

/// <summary>
/// A file schema: the top-level fields plus the leaf columns they shred into, each with its
/// maximum definition and repetition level. Columns are numbered in depth-first order, which is
/// the order of column chunks in every row group.
/// </summary>
public sealed class ParquetSchema
{
    /// <summary>Deeper nesting than this is refused: real schemas are a handful of levels deep.</summary>
    internal const int MaxDepth = 64;

    private readonly Dictionary<string, ParquetColumn> _byPath = new(StringComparer.Ordinal);

    public ParquetSchema(params ParquetField[] fields) : this((IReadOnlyList<ParquetField>)fields) { }

    public ParquetSchema(IReadOnlyList<ParquetField> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count == 0) throw new ArgumentException("a schema needs at least one field", nameof(fields));
        Root = new ParquetGroupField("schema", ParquetRepetition.Required, null, fields);
        var columns = new List<ParquetColumn>();
        RootNode = SchemaNode.Build(Root, null, 0, 0, [], columns, 0);
        Columns = columns;
        foreach (var column in columns) _byPath[column.DottedPath] = column;
    }

    /// <summary>The implicit root group (named "schema").</summary>
    public ParquetGroupField Root { get; }

    public IReadOnlyList<ParquetField> Fields => Root.Children;

    /// <summary>Leaf columns in depth-first order.</summary>
    public IReadOnlyList<ParquetColumn> Columns { get; }

    internal SchemaNode RootNode { get; }

    /// <summary>
    /// The leaf column named by its dotted path ("obs.list.element"), or by a top-level field
    /// name when that field has exactly one leaf ("obs").
    /// </summary>
    public ParquetColumn Column(string path) =>
        TryGetColumn(path, out var column) ? column
            : throw new ArgumentException($"no column '{path}' in schema; columns: {string.Join(", ", Columns.Select(c => c.DottedPath))}", nameof(path));

    public bool TryGetColumn(string path, out ParquetColumn column)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (_byPath.TryGetValue(path, out column!)) return true;
        ParquetColumn? only = null;
        foreach (var c in Columns)
        {
            if (c.Path[0] != path) continue;
            if (only is not null) { column = null!; return false; }
            only = c;
        }
        column = only!;
        return only is not null;
    }

    /// <summary>The leaf columns under a top-level field or dotted group path, or the one column it names.</summary>
    public IReadOnlyList<ParquetColumn> ColumnsUnder(string path)
    {
        if (_byPath.TryGetValue(path, out var exact)) return [exact];
        var prefix = path + ".";
        var list = new List<ParquetColumn>();
        foreach (var c in Columns)
            if (c.DottedPath.StartsWith(prefix, StringComparison.Ordinal)) list.Add(c);
        if (list.Count == 0) throw new ArgumentException($"no column or group '{path}' in schema", nameof(path));
        return list;
    }

    public override string ToString() => string.Join("\n", Fields);
}

/// <summary>A leaf column: where it sits in the schema and its level bounds.</summary>
public sealed class ParquetColumn
{
    internal ParquetColumn(int index, string[] path, ParquetPrimitiveField field, int maxDefinitionLevel, int maxRepetitionLevel, SchemaNode node)
    {
        Index = index;
        Path = path;
        DottedPath = string.Join('.', path);
        Field = field;
        MaxDefinitionLevel = maxDefinitionLevel;
        MaxRepetitionLevel = maxRepetitionLevel;
        Node = node;
    }

    /// <summary>Position among the schema's leaf columns (and among each row group's column chunks).</summary>
    public int Index { get; }
    public IReadOnlyList<string> Path { get; }
    public string DottedPath { get; }
    public ParquetPrimitiveField Field { get; }
    public ParquetPhysicalType PhysicalType => Field.PhysicalType;
    public ParquetLogicalType? LogicalType => Field.LogicalType;
    public int MaxDefinitionLevel { get; }
    public int MaxRepetitionLevel { get; }

    internal SchemaNode Node { get; }

    /// <summary>The .NET type of values delivered for this column (bool, int, long, float, double, string or byte[]).</summary>
    public Type ValueType => PhysicalType switch
    {
        ParquetPhysicalType.Boolean => typeof(bool),
        ParquetPhysicalType.Int32 => typeof(int),
        ParquetPhysicalType.Int64 => typeof(long),
        ParquetPhysicalType.Float => typeof(float),
        ParquetPhysicalType.Double => typeof(double),
        ParquetPhysicalType.ByteArray when Field.IsText => typeof(string),
        _ => typeof(byte[]),
    };

    public override string ToString() => DottedPath;
}

/// <summary>How a schema node maps to row values (LogicalTypes.md, including the legacy list forms).</summary>
internal enum NodeShape
{
    Primitive,
    Struct,
    /// <summary>A LIST-annotated group; <see cref="SchemaNode.Element"/> is what each item reads from.</summary>
    List,
    /// <summary>A MAP-annotated group; the repeated child holds key and value.</summary>
    Map,
}

/// <summary>A schema node with its computed levels, used by shredding and record assembly.</summary>
internal sealed class SchemaNode
{
    private SchemaNode(ParquetField field, SchemaNode? parent, int definitionLevel, int repetitionLevel)
    {
        Field = field;
        Parent = parent;
        DefinitionLevel = definitionLevel;
        RepetitionLevel = repetitionLevel;
    }

    public ParquetField Field { get; }
    public SchemaNode? Parent { get; }
    /// <summary>Definition level when this node is present (counts this node if optional or repeated).</summary>
    public int DefinitionLevel { get; }
    public int RepetitionLevel { get; }
    public SchemaNode[] Children { get; private set; } = [];
    public NodeShape Shape { get; private set; }
    /// <summary>For lists and maps: the repeated child.</summary>
    public SchemaNode? Repeated { get; private set; }
    /// <summary>For lists: the node an item's value is read from (the repeated child itself in the legacy forms).</summary>
    public SchemaNode? Element { get; private set; }
    /// <summary>Leaf column indexes under this node, in order.</summary>
    public int[] Leaves { get; private set; } = [];
    public ParquetColumn? Column { get; private set; }
    public bool IsRepeated => Field.Repetition == ParquetRepetition.Repeated;

    internal static SchemaNode Build(ParquetField field, SchemaNode? parent, int def, int rep, string[] parentPath,
        List<ParquetColumn> columns, int depth)
    {
        if (depth > ParquetSchema.MaxDepth) throw new ArgumentException($"schema nesting deeper than {ParquetSchema.MaxDepth}");
        bool isRoot = parent is null;
        if (!isRoot && field.Repetition != ParquetRepetition.Required) def++;
        if (!isRoot && field.Repetition == ParquetRepetition.Repeated) rep++;
        var node = new SchemaNode(field, parent, def, rep);
        string[] path = isRoot ? [] : [.. parentPath, field.Name];
        if (field is ParquetPrimitiveField primitive)
        {
            node.Shape = NodeShape.Primitive;
            node.Column = new ParquetColumn(columns.Count, path, primitive, def, rep, node);
            node.Leaves = [columns.Count];
            columns.Add(node.Column);
            return node;
        }
        var group = (ParquetGroupField)field;
        int first = columns.Count;
        node.Children = new SchemaNode[group.Children.Count];
        for (int i = 0; i < node.Children.Length; i++)
            node.Children[i] = Build(group.Children[i], node, def, rep, path, columns, depth + 1);
        node.Leaves = Enumerable.Range(first, columns.Count - first).ToArray();
        node.Shape = NodeShape.Struct;
        if (!isRoot && node.Children.Length == 1 && node.Children[0].IsRepeated)
        {
            var repeated = node.Children[0];
            var kind = field.LogicalType?.Kind;
            if (kind == ParquetLogicalKind.List)
            {
                node.Shape = NodeShape.List;
                node.Repeated = repeated;
                node.Element = LegacyListElement(node, repeated);
            }
            else if (kind == ParquetLogicalKind.Map && repeated.Field is ParquetGroupField { Children.Count: 1 or 2 })
            {
                node.Shape = NodeShape.Map;
                node.Repeated = repeated;
            }
        }
        return node;
    }

    // LogicalTypes.md backward-compatibility rules: a repeated primitive, a repeated group with
    // several fields, or one named "array" / "<list>_tuple" is itself the element; otherwise the
    // repeated group's single field is.
    private static SchemaNode LegacyListElement(SchemaNode list, SchemaNode repeated)
    {
        if (repeated.Field is not ParquetGroupField g) return repeated;
        if (g.Children.Count != 1) return repeated;
        if (g.Name == "array" || g.Name == list.Field.Name + "_tuple") return repeated;
        return repeated.Children[0];
    }
}
