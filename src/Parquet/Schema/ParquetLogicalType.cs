namespace OfflineSafety.Parquet.Schema;

public enum ParquetLogicalKind
{
    String,
    Enum,
    Json,
    Bson,
    Uuid,
    Float16,
    Date,
    Time,
    Timestamp,
    Integer,
    Decimal,
    List,
    Map,
    Unknown,
    Interval,
    Variant,
    Geometry,
    Geography,
}

public enum ParquetTimeUnit
{
    Millis,
    Micros,
    Nanos,
}

/// <summary>
/// How to interpret a physical value (the format's LogicalType union, with the legacy
/// ConvertedType folded in on read). Values are always delivered as their physical type; the
/// logical type tells the caller how to present them.
/// </summary>
public sealed record ParquetLogicalType(ParquetLogicalKind Kind)
{
    /// <summary>Integer width in bits (8, 16, 32, 64) for <see cref="ParquetLogicalKind.Integer"/>.</summary>
    public int BitWidth { get; init; }

    /// <summary>Signedness for <see cref="ParquetLogicalKind.Integer"/>; decides statistics ordering.</summary>
    public bool IsSigned { get; init; } = true;

    public int Precision { get; init; }
    public int Scale { get; init; }

    /// <summary>Unit for <see cref="ParquetLogicalKind.Time"/> and <see cref="ParquetLogicalKind.Timestamp"/>.</summary>
    public ParquetTimeUnit Unit { get; init; }

    public bool IsAdjustedToUtc { get; init; }

    public static ParquetLogicalType String { get; } = new(ParquetLogicalKind.String);
    public static ParquetLogicalType Json { get; } = new(ParquetLogicalKind.Json);
    public static ParquetLogicalType Date { get; } = new(ParquetLogicalKind.Date);
    public static ParquetLogicalType List { get; } = new(ParquetLogicalKind.List);
    public static ParquetLogicalType Map { get; } = new(ParquetLogicalKind.Map);

    public static ParquetLogicalType Integer(int bitWidth, bool isSigned) =>
        new(ParquetLogicalKind.Integer) { BitWidth = bitWidth, IsSigned = isSigned };

    public static ParquetLogicalType Timestamp(ParquetTimeUnit unit, bool isAdjustedToUtc = true) =>
        new(ParquetLogicalKind.Timestamp) { Unit = unit, IsAdjustedToUtc = isAdjustedToUtc };

    public static ParquetLogicalType Time(ParquetTimeUnit unit, bool isAdjustedToUtc = true) =>
        new(ParquetLogicalKind.Time) { Unit = unit, IsAdjustedToUtc = isAdjustedToUtc };

    public static ParquetLogicalType Decimal(int precision, int scale) =>
        new(ParquetLogicalKind.Decimal) { Precision = precision, Scale = scale };

    public override string ToString() => Kind switch
    {
        ParquetLogicalKind.Integer => $"{(IsSigned ? "INT" : "UINT")}({BitWidth})",
        ParquetLogicalKind.Decimal => $"DECIMAL({Precision},{Scale})",
        ParquetLogicalKind.Timestamp or ParquetLogicalKind.Time =>
            $"{Kind.ToString().ToUpperInvariant()}({Unit.ToString().ToUpperInvariant()}{(IsAdjustedToUtc ? ",UTC" : "")})",
        _ => Kind.ToString().ToUpperInvariant(),
    };
}
