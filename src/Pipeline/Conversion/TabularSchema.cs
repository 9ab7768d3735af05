namespace OfflineSafety.Pipeline.Conversion;

/// <summary>The value kinds that `offsafe parquet convert` infers from CSV and JSON lines.</summary>
public enum TabularKind
{
    Int64,
    Double,
    Boolean,
    String,
}

/// <summary>One inferred column: a scalar of <see cref="Kind"/>, or a list of them when <see cref="IsList"/>.</summary>
public sealed record TabularField(string Name, TabularKind Kind, bool IsList);

public sealed record TabularSchema(IReadOnlyList<TabularField> Fields);

/// <summary>
/// Narrowest kind that holds every value seen so far: integers widen to doubles, and any other
/// disagreement (a boolean beside a number, text) falls back to strings, which hold anything.
/// </summary>
public struct KindInference
{
    private TabularKind? _kind;

    public readonly TabularKind Result => _kind ?? TabularKind.String;

    public void Observe(TabularKind kind)
    {
        _kind = (_kind, kind) switch
        {
            (null, _) => kind,
            (var k, _) when k == kind => k,
            (TabularKind.Int64, TabularKind.Double) or (TabularKind.Double, TabularKind.Int64) => TabularKind.Double,
            _ => TabularKind.String,
        };
    }

    /// <summary>The kind of one CSV cell's text (empty cells are nulls and are not observed).</summary>
    public static TabularKind Classify(ReadOnlySpan<char> text)
    {
        if (TabularValueText.TryParseInt64(text, out _))
            return TabularKind.Int64;
        if (TabularValueText.TryParseDouble(text, out _))
            return TabularKind.Double;
        if (TabularValueText.TryParseBoolean(text, out _))
            return TabularKind.Boolean;
        return TabularKind.String;
    }
}

/// <summary>How cell text reads as a value; one place, so inference and conversion agree.</summary>
public static class TabularValueText
{
    public static bool TryParseInt64(ReadOnlySpan<char> text, out long value) =>
        long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out value);

    // Accepts the invariant culture's NaN / Infinity spellings too, so a column of floats with a
    // NaN stays a double column.
    public static bool TryParseDouble(ReadOnlySpan<char> text, out double value) =>
        double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value);

    public static bool TryParseBoolean(ReadOnlySpan<char> text, out bool value)
    {
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase)) { value = true; return true; }
        if (text.Equals("false", StringComparison.OrdinalIgnoreCase)) { value = false; return true; }
        value = false;
        return false;
    }
}
