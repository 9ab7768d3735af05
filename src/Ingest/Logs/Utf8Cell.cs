using System.Globalization;
using System.Text;
using OfflineSafety.Ingest.Datasets;

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

    /// <summary>Parses one non-empty cell into the row; shared by every text format with a cell per column.</summary>
    public static void ReadInto(LogRow row, LogField field, int element, string column, ReadOnlySpan<byte> cell, TextInterner variants, TextInterner sources)
    {
        if (LogFields.IsText(field))
        {
            // Variant and source values name partitions and sources: refused rather than altered.
            if (PartitionValues.Problem(cell, field == LogField.Variant) is { } problem) row.Fail(column, problem);
            else if (field == LogField.Variant) row.SetVariant(variants.Intern(cell));
            else row.SetSource(sources.Intern(cell));
            return;
        }
        // .NET's number parsers stop at a NUL ("5\0" reads as 5), so NULs and broken UTF-8 are refused first.
        if (PartitionValues.BytesProblem(cell) is { } bad)
        {
            row.Fail(column, bad);
            return;
        }
        switch (field)
        {
            case LogField.Obs or LogField.Action or LogField.NextObs:
                if (element >= 0)
                {
                    if (TryFloat(cell, out float v)) row.Vector(field).Set(element, v);
                    else row.Fail(column, Not("a number", cell));
                }
                else if (TryArray(cell, row.Vector(field)) is { } reason)
                    row.Fail(column, $"{reason}: {Quote(cell)}");
                break;
            case LogField.Reward or LogField.Cost:
                if (TryFloat(cell, out float x)) row.SetNumber(field, x);
                else row.Fail(column, Not("a number", cell));
                break;
            case LogField.Unsafe or LogField.Terminal or LogField.Truncated:
                if (TryBool(cell, out bool b)) row.SetFlag(field, b);
                else row.Fail(column, Not("a boolean (true/false/1/0)", cell));
                break;
            case LogField.EpisodeId:
                if (TryLong(cell, out long id)) row.SetEpisodeId(id);
                else row.Fail(column, Not("an integer", cell));
                break;
            case LogField.Step:
                if (TryLong(cell, out long step) && step is >= int.MinValue and <= int.MaxValue) row.SetStep((int)step);
                else row.Fail(column, Not("a 32-bit integer", cell));
                break;
        }
    }

    public static string Not(string what, ReadOnlySpan<byte> cell) => $"not {what}: {Quote(cell)}";

    private static string Quote(ReadOnlySpan<byte> cell)
    {
        var text = Encoding.UTF8.GetString(cell.Length > 40 ? cell[..40] : cell);
        return cell.Length > 40 ? $"'{text}...' ({cell.Length} bytes)" : $"'{text}'";
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
