using System.Globalization;
using System.Numerics;
using System.Text.Json;
using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Pipeline.ParquetFiles;

/// <summary>
/// The JSON form of Parquet leaf values printed by `offsafe parquet cat --json` (docs/parquet-cli.md):
/// floats in their shortest round-trip text at their own width (so parsing gives the same bits),
/// -0 kept, NaN and the infinities as the strings "NaN", "Infinity", "-Infinity"; integers with
/// every digit, unsigned ones unsigned; binary as base64; DATE as yyyy-MM-dd; TIMESTAMP as ISO 8601
/// with the unit's fraction digits (and "Z" when adjusted to UTC); DECIMAL as exact decimal text.
/// </summary>
public static class ParquetJsonValues
{
    public static void WriteLeaf(Utf8JsonWriter json, ParquetPrimitiveField field, object value)
    {
        var logical = field.LogicalType;
        switch (value)
        {
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case int i when logical is { Kind: ParquetLogicalKind.Integer, IsSigned: false }:
                json.WriteNumberValue((uint)i);
                break;
            case int i when logical?.Kind == ParquetLogicalKind.Date:
                json.WriteStringValue(DateOnly.FromDayNumber(UnixEpochDay + i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case int i when logical?.Kind == ParquetLogicalKind.Decimal:
                json.WriteStringValue(DecimalText(i, logical.Scale));
                break;
            case int i:
                json.WriteNumberValue(i);
                break;
            case long l when logical is { Kind: ParquetLogicalKind.Integer, IsSigned: false }:
                json.WriteNumberValue((ulong)l);
                break;
            case long l when logical?.Kind == ParquetLogicalKind.Timestamp:
                json.WriteStringValue(TimestampText(l, logical));
                break;
            case long l when logical?.Kind == ParquetLogicalKind.Decimal:
                json.WriteStringValue(DecimalText(l, logical.Scale));
                break;
            case long l:
                json.WriteNumberValue(l);
                break;
            case float f:
                WriteFloat(json, f);
                break;
            case double d:
                WriteDouble(json, d);
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case byte[] bytes when logical?.Kind == ParquetLogicalKind.Decimal:
                json.WriteStringValue(DecimalText(new BigInteger(bytes, isUnsigned: false, isBigEndian: true), logical.Scale));
                break;
            case byte[] bytes:
                json.WriteBase64StringValue(bytes);
                break;
            default:
                throw new NotSupportedException($"column {field.Name}: no JSON form for {value.GetType().Name} values");
        }
    }

    public static void WriteFloat(Utf8JsonWriter json, float value)
    {
        if (!float.IsFinite(value))
        {
            json.WriteStringValue(float.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
            return;
        }
        Span<byte> text = stackalloc byte[32];
        value.TryFormat(text, out int written, "R", CultureInfo.InvariantCulture);
        json.WriteRawValue(text[..written], skipInputValidation: true);
    }

    public static void WriteDouble(Utf8JsonWriter json, double value)
    {
        if (!double.IsFinite(value))
        {
            json.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
            return;
        }
        Span<byte> text = stackalloc byte[32];
        value.TryFormat(text, out int written, "R", CultureInfo.InvariantCulture);
        json.WriteRawValue(text[..written], skipInputValidation: true);
    }

    private static readonly int UnixEpochDay = new DateOnly(1970, 1, 1).DayNumber;

    private static string TimestampText(long value, ParquetLogicalType logical)
    {
        var (perSecond, digits) = logical.Unit switch
        {
            ParquetTimeUnit.Millis => (1_000L, 3),
            ParquetTimeUnit.Micros => (1_000_000L, 6),
            _ => (1_000_000_000L, 9),
        };
        long seconds = Math.DivRem(value, perSecond, out long fraction);
        if (fraction < 0)
        {
            seconds--;
            fraction += perSecond;
        }
        var time = DateTime.UnixEpoch.AddSeconds(seconds);
        return time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "."
            + fraction.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0') + (logical.IsAdjustedToUtc ? "Z" : "");
    }

    private static string DecimalText(BigInteger unscaled, int scale)
    {
        if (scale <= 0) return (unscaled * BigInteger.Pow(10, -scale)).ToString(CultureInfo.InvariantCulture);
        string digits = BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(scale + 1, '0');
        return (unscaled.Sign < 0 ? "-" : "") + digits[..^scale] + "." + digits[^scale..];
    }
}
