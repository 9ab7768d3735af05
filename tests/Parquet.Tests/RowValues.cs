using System.Collections;

namespace OfflineSafety.Parquet.Tests;

/// <summary>Deep comparison of row-API values (lists, structs, maps, byte arrays, scalars).</summary>
internal static class RowValues
{
    public static void AssertRowsEqual(IReadOnlyList<object?[]> expected, IReadOnlyList<object?[]> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int r = 0; r < expected.Count; r++)
        {
            Assert.Equal(expected[r].Length, actual[r].Length);
            for (int c = 0; c < expected[r].Length; c++)
                if (!DeepEqual(expected[r][c], actual[r][c]))
                    Assert.Fail($"row {r} field {c}: expected {Show(expected[r][c])}, got {Show(actual[r][c])}");
        }
    }

    public static bool DeepEqual(object? a, object? b)
    {
        if (a is null || b is null) return a is null && b is null;
        switch (a)
        {
            case byte[] x: return b is byte[] y && x.AsSpan().SequenceEqual(y);
            case string s: return b is string t && s == t;
            case IDictionary<string, object?> da:
                return b is IDictionary<string, object?> db && da.Count == db.Count
                    && da.Keys.SequenceEqual(db.Keys) && da.All(kv => DeepEqual(kv.Value, db[kv.Key]));
            case KeyValuePair<object, object?> ka:
                return b is KeyValuePair<object, object?> kb && DeepEqual(ka.Key, kb.Key) && DeepEqual(ka.Value, kb.Value);
            case IList la:
            {
                if (b is not IList lb || la.Count != lb.Count) return false;
                for (int i = 0; i < la.Count; i++)
                    if (!DeepEqual(la[i], lb[i])) return false;
                return true;
            }
            default: return a.Equals(b);
        }
    }

    public static string Show(object? v) => v switch
    {
        null => "null",
        string s => $"\"{s}\"",
        byte[] b => "0x" + Convert.ToHexString(b),
        IDictionary<string, object?> d => "{" + string.Join(", ", d.Select(kv => $"{kv.Key}: {Show(kv.Value)}")) + "}",
        KeyValuePair<object, object?> kv => $"{Show(kv.Key)} => {Show(kv.Value)}",
        IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(Show)) + "]",
        _ => v.ToString() ?? "",
    };
}
