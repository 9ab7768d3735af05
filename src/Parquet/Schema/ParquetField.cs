namespace OfflineSafety.Parquet.Schema;

/// <summary>
/// A node of a Parquet schema: a primitive column or a group of fields. The static factories
/// build the common shapes (STRING, LIST in the standard three-level form, MAP, structs).
/// Nodes are immutable and may be shared between schemas.
/// </summary>
public abstract class ParquetField
{
    private protected ParquetField(string name, ParquetRepetition repetition, ParquetLogicalType? logicalType)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Repetition = repetition;
        LogicalType = logicalType;
    }

    public string Name { get; }
    public ParquetRepetition Repetition { get; }
    public ParquetLogicalType? LogicalType { get; }

    /// <summary>Optional field id (the format's field_id), kept through read and write.</summary>
    public int? FieldId { get; init; }

    private static ParquetRepetition Rep(bool optional) => optional ? ParquetRepetition.Optional : ParquetRepetition.Required;

    public static ParquetPrimitiveField Boolean(string name, bool optional = false) => new(name, ParquetPhysicalType.Boolean, Rep(optional));
    public static ParquetPrimitiveField Int32(string name, bool optional = false) => new(name, ParquetPhysicalType.Int32, Rep(optional));
    public static ParquetPrimitiveField Int64(string name, bool optional = false) => new(name, ParquetPhysicalType.Int64, Rep(optional));
    public static ParquetPrimitiveField Float(string name, bool optional = false) => new(name, ParquetPhysicalType.Float, Rep(optional));
    public static ParquetPrimitiveField Double(string name, bool optional = false) => new(name, ParquetPhysicalType.Double, Rep(optional));

    /// <summary>A UTF-8 string column (BYTE_ARRAY annotated STRING); values are <see cref="string"/>.</summary>
    public static ParquetPrimitiveField String(string name, bool optional = false) =>
        new(name, ParquetPhysicalType.ByteArray, Rep(optional), ParquetLogicalType.String);

    /// <summary>An unannotated BYTE_ARRAY column; values are <c>byte[]</c>.</summary>
    public static ParquetPrimitiveField Binary(string name, bool optional = false) => new(name, ParquetPhysicalType.ByteArray, Rep(optional));

    public static ParquetPrimitiveField FixedLenByteArray(string name, int length, bool optional = false) =>
        new(name, ParquetPhysicalType.FixedLenByteArray, Rep(optional), typeLength: length);

    /// <summary>INT32 with a narrower or unsigned INT logical type (8, 16 or 32 bits).</summary>
    public static ParquetPrimitiveField Int(string name, int bitWidth, bool isSigned, bool optional = false) =>
        new(name, bitWidth == 64 ? ParquetPhysicalType.Int64 : ParquetPhysicalType.Int32, Rep(optional), ParquetLogicalType.Integer(bitWidth, isSigned));

    public static ParquetPrimitiveField Date(string name, bool optional = false) =>
        new(name, ParquetPhysicalType.Int32, Rep(optional), ParquetLogicalType.Date);

    public static ParquetPrimitiveField Timestamp(string name, ParquetTimeUnit unit = ParquetTimeUnit.Micros, bool isAdjustedToUtc = true, bool optional = false) =>
        new(name, ParquetPhysicalType.Int64, Rep(optional), ParquetLogicalType.Timestamp(unit, isAdjustedToUtc));

    public static ParquetPrimitiveField Decimal(string name, int precision, int scale, bool optional = false)
    {
        var physical = precision <= 9 ? ParquetPhysicalType.Int32 : precision <= 18 ? ParquetPhysicalType.Int64 : ParquetPhysicalType.FixedLenByteArray;
        int length = physical == ParquetPhysicalType.FixedLenByteArray ? DecimalBytes(precision) : 0;
        return new(name, physical, Rep(optional), ParquetLogicalType.Decimal(precision, scale), length);
    }

    /// <summary>A group of named fields (a struct).</summary>
    public static ParquetGroupField Struct(string name, bool optional, params ParquetField[] fields) =>
        new(name, Rep(optional), null, fields);

    /// <summary>
    /// A LIST in the standard three-level form: <c>&lt;opt&gt; group name (LIST) { repeated group list { element } }</c>.
    /// The element field's own name is replaced by "element".
    /// </summary>
    public static ParquetGroupField List(string name, ParquetField element, bool optional = false) =>
        new(name, Rep(optional), ParquetLogicalType.List,
            [new ParquetGroupField("list", ParquetRepetition.Repeated, null, [element.Renamed("element")])]);

    /// <summary>A MAP: <c>&lt;opt&gt; group name (MAP) { repeated group key_value { required key; value } }</c>.</summary>
    public static ParquetGroupField Map(string name, ParquetField key, ParquetField value, bool optional = false)
    {
        if (key.Repetition != ParquetRepetition.Required)
            throw new ArgumentException("map keys must be required", nameof(key));
        return new(name, Rep(optional), ParquetLogicalType.Map,
            [new ParquetGroupField("key_value", ParquetRepetition.Repeated, null, [key.Renamed("key"), value.Renamed("value")])]);
    }

    /// <summary>The same field under another name.</summary>
    public abstract ParquetField Renamed(string name);

    /// <summary>The same field with another repetition.</summary>
    public abstract ParquetField WithRepetition(ParquetRepetition repetition);

    private static int DecimalBytes(int precision)
    {
        // Smallest byte count whose signed range holds 10^precision - 1.
        int bytes = 1;
        while (bytes < 16 && Math.Log10(Math.Pow(2, 8 * bytes - 1)) < precision) bytes++;
        return bytes;
    }
}

public sealed class ParquetPrimitiveField : ParquetField
{
    public ParquetPrimitiveField(string name, ParquetPhysicalType physicalType, ParquetRepetition repetition = ParquetRepetition.Required,
        ParquetLogicalType? logicalType = null, int typeLength = 0)
        : base(name, repetition, logicalType)
    {
        if (physicalType == ParquetPhysicalType.FixedLenByteArray && typeLength <= 0)
            throw new ArgumentOutOfRangeException(nameof(typeLength), "FIXED_LEN_BYTE_ARRAY needs a positive length");
        PhysicalType = physicalType;
        TypeLength = physicalType == ParquetPhysicalType.Int96 ? 12 : typeLength;
    }

    public ParquetPhysicalType PhysicalType { get; }

    /// <summary>Byte length of FIXED_LEN_BYTE_ARRAY values (12 for INT96, else 0).</summary>
    public int TypeLength { get; }

    /// <summary>True when BYTE_ARRAY values are text and are delivered as <see cref="string"/>.</summary>
    public bool IsText => PhysicalType == ParquetPhysicalType.ByteArray && LogicalType?.Kind is ParquetLogicalKind.String
        or ParquetLogicalKind.Enum or ParquetLogicalKind.Json;

    public override ParquetField Renamed(string name) =>
        new ParquetPrimitiveField(name, PhysicalType, Repetition, LogicalType, TypeLength) { FieldId = FieldId };

    public override ParquetField WithRepetition(ParquetRepetition repetition) =>
        new ParquetPrimitiveField(Name, PhysicalType, repetition, LogicalType, TypeLength) { FieldId = FieldId };

    public override string ToString() =>
        $"{Repetition.ToString().ToLowerInvariant()} {PhysicalType}{(TypeLength > 0 ? $"({TypeLength})" : "")} {Name}{(LogicalType is null ? "" : $" ({LogicalType})")}";
}

public sealed class ParquetGroupField : ParquetField
{
    public ParquetGroupField(string name, ParquetRepetition repetition, ParquetLogicalType? logicalType, IReadOnlyList<ParquetField> children)
        : base(name, repetition, logicalType)
    {
        ArgumentNullException.ThrowIfNull(children);
        if (children.Count == 0) throw new ArgumentException($"group '{name}' has no fields", nameof(children));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in children)
            if (!names.Add(child.Name)) throw new ArgumentException($"group '{name}' has two fields named '{child.Name}'", nameof(children));
        Children = children.ToArray();
    }

    public IReadOnlyList<ParquetField> Children { get; }

    public override ParquetField Renamed(string name) =>
        new ParquetGroupField(name, Repetition, LogicalType, Children) { FieldId = FieldId };

    public override ParquetField WithRepetition(ParquetRepetition repetition) =>
        new ParquetGroupField(Name, repetition, LogicalType, Children) { FieldId = FieldId };

    public override string ToString() =>
        $"{Repetition.ToString().ToLowerInvariant()} group {Name}{(LogicalType is null ? "" : $" ({LogicalType})")} {{ {string.Join("; ", Children)} }}";
}
