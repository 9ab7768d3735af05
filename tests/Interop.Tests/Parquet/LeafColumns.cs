using System.Globalization;
using System.Text;
using OfflineSafety.Parquet.Reading;

namespace OfflineSafety.Interop.Tests.Parquet;

/// <summary>
/// One leaf column of one row group as every Parquet reader sees it below its object model:
/// Dremel levels plus the non-null values at the physical type. Comparing files at this level
/// checks nesting, nulls and every value without depending on how a peer maps logical types.
/// Values are rendered so equality is exact: floats by bit pattern (NaN, -0), bytes and text as hex.
/// </summary>
public sealed record LeafColumn(int RowGroup, string Path, short[] DefinitionLevels, short[] RepetitionLevels, string[] Values)
{
    public static string Render(object value) => value switch
    {
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        float f => "f" + BitConverter.SingleToInt32Bits(f).ToString("x8", CultureInfo.InvariantCulture),
        double d => "d" + BitConverter.DoubleToInt64Bits(d).ToString("x16", CultureInfo.InvariantCulture),
        string s => "x" + Convert.ToHexString(Encoding.UTF8.GetBytes(s)),
        byte[] bytes => "x" + Convert.ToHexString(bytes),
        _ => throw new ArgumentException($"no physical rendering for {value.GetType().Name}"),
    };

    /// <summary>Every leaf of every row group, read by our reader.</summary>
    public static List<LeafColumn> ReadOurs(string path)
    {
        using var reader = ParquetFileReader.Open(path);
        var leaves = new List<LeafColumn>();
        for (int g = 0; g < reader.RowGroupCount; g++)
            foreach (var column in reader.Schema.Columns)
            {
                var data = reader.ReadColumn(g, column);
                var values = new string[data.ValueCount];
                for (int i = 0; i < values.Length; i++) values[i] = Render(data.Values.GetValue(i)!);
                leaves.Add(new LeafColumn(g, string.Join(".", column.Path),
                    data.DefinitionLevels ?? new short[data.LevelCount],
                    data.RepetitionLevels ?? new short[data.LevelCount], values));
            }
        return leaves;
    }

    /// <summary>Equal leaf by leaf, naming the first difference (file, row group, column, level or value index).</summary>
    public static void AssertEqual(IReadOnlyList<LeafColumn> expected, IReadOnlyList<LeafColumn> actual, string what)
    {
        Assert.True(expected.Count == actual.Count,
            $"{what}: {actual.Count} leaf chunks, expected {expected.Count} ({string.Join(",", actual.Select(l => l.Path).Distinct())})");
        for (int i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            string where = $"{what}: row group {e.RowGroup} column {e.Path}";
            Assert.True(e.RowGroup == a.RowGroup && e.Path == a.Path, $"{where}: got row group {a.RowGroup} column {a.Path}");
            AssertSame(e.DefinitionLevels, a.DefinitionLevels, where + " definition level");
            AssertSame(e.RepetitionLevels, a.RepetitionLevels, where + " repetition level");
            AssertSame(e.Values, a.Values, where + " value");
        }
    }

    private static void AssertSame<T>(T[] expected, T[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}s: {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Equals(expected[i], actual[i]), $"{what} {i}: {actual[i]}, expected {expected[i]}");
    }
}
