using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Parquet.Format;

/// <summary>
/// Converts between the flat, depth-first list of SchemaElements in the footer and the
/// <see cref="ParquetSchema"/> tree, folding legacy ConvertedType annotations into logical types.
/// </summary>
internal static class SchemaCodec
{
    // ConvertedType values from parquet.thrift.
    private const int Utf8 = 0, MapCt = 1, MapKeyValue = 2, ListCt = 3, EnumCt = 4, DecimalCt = 5, DateCt = 6,
        TimeMillis = 7, TimeMicros = 8, TimestampMillis = 9, TimestampMicros = 10, Uint8 = 11, Int64Ct = 18, JsonCt = 19,
        BsonCt = 20, IntervalCt = 21;

    public static ParquetSchema ToSchema(IReadOnlyList<SchemaElement> elements, string? file)
    {
        if (elements.Count < 2) throw new ParquetFormatException("schema has no columns", file);
        int pos = 0;
        var root = elements[0];
        if (root.NumChildren is not { } rootChildren || rootChildren <= 0)
            throw new ParquetFormatException("schema root has no children", file);
        pos = 1;
        var fields = new List<ParquetField>();
        for (int i = 0; i < rootChildren; i++) fields.Add(ReadNode(elements, ref pos, 1, file));
        if (pos != elements.Count) throw new ParquetFormatException($"schema has {elements.Count - pos} elements not reachable from the root", file);
        try
        {
            return new ParquetSchema(fields);
        }
        catch (ArgumentException e)
        {
            throw new ParquetFormatException($"invalid schema: {e.Message}", file, inner: e);
        }
    }

    private static ParquetField ReadNode(IReadOnlyList<SchemaElement> elements, ref int pos, int depth, string? file)
    {
        if (depth > ParquetSchema.MaxDepth) throw new ParquetFormatException($"schema nested deeper than {ParquetSchema.MaxDepth}", file);
        if (pos >= elements.Count) throw new ParquetFormatException("schema element count does not match num_children", file);
        var e = elements[pos++];
        if (string.IsNullOrEmpty(e.Name)) throw new ParquetFormatException("schema element with an empty name", file);
        var repetition = e.Repetition ?? ParquetRepetition.Optional;
        if (repetition is < ParquetRepetition.Required or > ParquetRepetition.Repeated)
            throw new ParquetFormatException($"schema element '{e.Name}' has unknown repetition {(int)repetition}", file);
        var logical = e.LogicalType ?? FromConverted(e);
        try
        {
            if (e.NumChildren is { } n && (n > 0 || e.Type is null))
            {
                if (n <= 0 || n > elements.Count - pos)
                    throw new ParquetFormatException($"schema element '{e.Name}' claims {n} children", file);
                var children = new ParquetField[n];
                for (int i = 0; i < n; i++) children[i] = ReadNode(elements, ref pos, depth + 1, file);
                return new ParquetGroupField(e.Name, repetition, logical, children) { FieldId = e.FieldId };
            }
            if (e.Type is not { } type || type is < ParquetPhysicalType.Boolean or > ParquetPhysicalType.FixedLenByteArray)
                throw new ParquetFormatException($"schema element '{e.Name}' has no valid physical type", file);
            int length = e.TypeLength ?? 0;
            if (type == ParquetPhysicalType.FixedLenByteArray && length is <= 0 or > 1 << 20)
                throw new ParquetFormatException($"FIXED_LEN_BYTE_ARRAY column '{e.Name}' has length {length}", file);
            return new ParquetPrimitiveField(e.Name, type, repetition, logical, type == ParquetPhysicalType.FixedLenByteArray ? length : 0) { FieldId = e.FieldId };
        }
        catch (ArgumentException ex)
        {
            throw new ParquetFormatException($"invalid schema element '{e.Name}': {ex.Message}", file, inner: ex);
        }
    }

    private static ParquetLogicalType? FromConverted(SchemaElement e) => e.ConvertedType switch
    {
        null => null,
        Utf8 => ParquetLogicalType.String,
        MapCt or MapKeyValue => ParquetLogicalType.Map,
        ListCt => ParquetLogicalType.List,
        EnumCt => new(ParquetLogicalKind.Enum),
        DecimalCt => ParquetLogicalType.Decimal(e.Precision ?? 0, e.Scale ?? 0),
        DateCt => ParquetLogicalType.Date,
        TimeMillis => ParquetLogicalType.Time(ParquetTimeUnit.Millis),
        TimeMicros => ParquetLogicalType.Time(ParquetTimeUnit.Micros),
        TimestampMillis => ParquetLogicalType.Timestamp(ParquetTimeUnit.Millis),
        TimestampMicros => ParquetLogicalType.Timestamp(ParquetTimeUnit.Micros),
        >= Uint8 and <= Int64Ct => ParquetLogicalType.Integer(8 << ((e.ConvertedType.Value - Uint8) % 4), e.ConvertedType.Value >= Uint8 + 4),
        JsonCt => ParquetLogicalType.Json,
        BsonCt => new(ParquetLogicalKind.Bson),
        IntervalCt => new(ParquetLogicalKind.Interval),
        _ => null,
    };

    public static List<SchemaElement> ToElements(ParquetSchema schema)
    {
        var list = new List<SchemaElement> { new() { Name = "schema", NumChildren = schema.Fields.Count } };
        foreach (var f in schema.Fields) AddNode(list, f);
        return list;
    }

    private static void AddNode(List<SchemaElement> list, ParquetField f)
    {
        var e = new SchemaElement
        {
            Name = f.Name,
            Repetition = f.Repetition,
            FieldId = f.FieldId,
            LogicalType = f.LogicalType,
            ConvertedType = ToConverted(f.LogicalType),
        };
        if (f.LogicalType is { Kind: ParquetLogicalKind.Decimal } d)
        {
            e.Precision = d.Precision;
            e.Scale = d.Scale;
        }
        list.Add(e);
        if (f is ParquetPrimitiveField p)
        {
            e.Type = p.PhysicalType;
            if (p.PhysicalType == ParquetPhysicalType.FixedLenByteArray) e.TypeLength = p.TypeLength;
            return;
        }
        var g = (ParquetGroupField)f;
        e.NumChildren = g.Children.Count;
        foreach (var c in g.Children) AddNode(list, c);
    }

    private static int? ToConverted(ParquetLogicalType? lt) => lt?.Kind switch
    {
        ParquetLogicalKind.String => Utf8,
        ParquetLogicalKind.Map => MapCt,
        ParquetLogicalKind.List => ListCt,
        ParquetLogicalKind.Enum => EnumCt,
        ParquetLogicalKind.Decimal => DecimalCt,
        ParquetLogicalKind.Date => DateCt,
        ParquetLogicalKind.Json => JsonCt,
        ParquetLogicalKind.Bson => BsonCt,
        ParquetLogicalKind.Time when lt.IsAdjustedToUtc && lt.Unit == ParquetTimeUnit.Millis => TimeMillis,
        ParquetLogicalKind.Time when lt.IsAdjustedToUtc && lt.Unit == ParquetTimeUnit.Micros => TimeMicros,
        ParquetLogicalKind.Timestamp when lt.IsAdjustedToUtc && lt.Unit == ParquetTimeUnit.Millis => TimestampMillis,
        ParquetLogicalKind.Timestamp when lt.IsAdjustedToUtc && lt.Unit == ParquetTimeUnit.Micros => TimestampMicros,
        ParquetLogicalKind.Integer when lt.BitWidth is 8 or 16 or 32 or 64 =>
            Uint8 + (lt.IsSigned ? 4 : 0) + System.Numerics.BitOperations.Log2((uint)lt.BitWidth) - 3,
        _ => null,
    };
}
