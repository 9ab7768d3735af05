using System.Globalization;
using System.Text;

namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// Parses one cell's UTF-8 text in place, with the invariant culture and no string allocation.
/// Shared by the CSV reader and array-valued cells ("[0.1, 0.2]") of any text format.
/// </summary>
internal static class Utf8Cell
{
    private const NumberStyles FloatStyle = NumberStyles.Float;

    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        int a = 0, b = s.Length;
        while (a < b && IsSpace(s[a])) a++;
        while (b > a && IsSpace(s[b - 1])) b--;
        return s[a..b];
    }

    public static bool TryFloat(ReadOnlySpan<byte> s, out float value) =>
        float.TryParse(s, FloatStyle, CultureInfo.InvariantCulture, out value);

    /// <summary>Integers, also written as integral floats ("3.0"), since numpy/pandas exports often do that.</summary>
    public static bool TryLong(ReadOnlySpan<byte> s, out long value)
    {
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)) return true;
        if (double.TryParse(s, FloatStyle, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e15)
        {
            value = (long)d;
            return true;
        }
        return false;
    }

    /// <summary>true/false in any case, or the numbers 1 and 0 (D4RL stores flags as floats).</summary>
    public static bool TryBool(ReadOnlySpan<byte> s, out bool value)
    {
        if (Ascii.EqualsIgnoreCase(s, "true"u8)) { value = true; return true; }
        if (Ascii.EqualsIgnoreCase(s, "false"u8)) { value = false; return true; }
        if (double.TryParse(s, FloatStyle, CultureInfo.InvariantCulture, out double d) && (d == 0 || d == 1))
        {
            value = d == 1;
            return true;
        }
        value = false;
        return false;
    }

    /// <summary>Parses "[0.1, 0.2]" into <paramref name="into"/>; returns a reason on failure.</summary>
    public static string? TryArray(ReadOnlySpan<byte> s, LogVector into)
    {
        s = Trim(s);
        if (s.Length > 0 && s[0] == (byte)'[' && s[^1] != (byte)']')
            return "unclosed array (in CSV, quote a cell whose array has commas)";
        if (s.Length < 2 || s[0] != (byte)'[' || s[^1] != (byte)']')
            return "expected a JSON array like [0.1, 0.2]";
        s = Trim(s[1..^1]);
        into.ResetArray();
        if (s.IsEmpty) return "empty array";
        while (true)
        {
            int comma = s.IndexOf((byte)',');
            var item = Trim(comma < 0 ? s : s[..comma]);
            if (!TryFloat(item, out float v))
                return $"element {into.Length} is not a number";
            into.Append(v);
            if (comma < 0) return null;
            s = s[(comma + 1)..];
        }
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
