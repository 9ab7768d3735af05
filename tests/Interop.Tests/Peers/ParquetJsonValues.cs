using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OfflineSafety.Interop.Tests.Peers;

/// <summary>
/// Compares values in the shared JSON contract (duckdb.mjs and `offsafe parquet cat --json`)
/// exactly, guided by DuckDB's type tree: floats by their bits at the column's own width, so two
/// texts for the same float ("0.1" and "0.10000000149011612") agree and a one-ulp error does not.
/// </summary>
public static class ParquetJsonValues
{
    public static float ParseFloat(JsonNode? node) => (float)ParseDouble(node);

    public static double ParseDouble(JsonNode? node)
    {
        var value = node?.AsValue() ?? throw new ArgumentNullException(nameof(node), "expected a number, got null");
        if (value.GetValueKind() == JsonValueKind.String)
            return value.GetValue<string>() switch
            {
                "NaN" => double.NaN,
                "Infinity" => double.PositiveInfinity,
                "-Infinity" => double.NegativeInfinity,
                var s => throw new FormatException($"not a float: \"{s}\""),
            };
        return double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>Asserts every row of <paramref name="actual"/> (objects keyed by column) equals DuckDB's rows.</summary>
    public static void AssertRowsEqual(DuckDbResult expected, IReadOnlyList<JsonObject> actual, string what)
    {
        Assert.True(expected.Rows.Count == actual.Count, $"{what}: DuckDB has {expected.Rows.Count} rows, ours {actual.Count}");
        for (int r = 0; r < actual.Count; r++)
        {
            Assert.True(expected.Columns.Count == actual[r].Count,
                $"{what}: row {r} has columns [{string.Join(", ", actual[r].Select(p => p.Key))}], DuckDB [{string.Join(", ", expected.Columns.Select(c => c.Name))}]");
            for (int c = 0; c < expected.Columns.Count; c++)
            {
                var column = expected.Columns[c];
                Assert.True(actual[r].ContainsKey(column.Name), $"{what}: row {r} lacks column {column.Name}");
                AssertEqual(column.Type, expected.Rows[r][c], actual[r][column.Name], $"{what}: row {r} {column.Name}");
            }
        }
    }

    public static void AssertEqual(JsonObject type, JsonNode? expected, JsonNode? actual, string path)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }
        string id = type["id"]!.GetValue<string>();
        switch (id)
        {
            case "FLOAT":
                Assert.True(BitConverter.SingleToInt32Bits(ParseFloat(expected)) == BitConverter.SingleToInt32Bits(ParseFloat(actual))
                    || (float.IsNaN(ParseFloat(expected)) && float.IsNaN(ParseFloat(actual))),
                    $"{path}: expected float {Show(expected)}, got {Show(actual)}");
                break;
            case "DOUBLE":
                Assert.True(BitConverter.DoubleToInt64Bits(ParseDouble(expected)) == BitConverter.DoubleToInt64Bits(ParseDouble(actual))
                    || (double.IsNaN(ParseDouble(expected)) && double.IsNaN(ParseDouble(actual))),
                    $"{path}: expected double {Show(expected)}, got {Show(actual)}");
                break;
            case "TINYINT" or "SMALLINT" or "INTEGER" or "BIGINT" or "UTINYINT" or "USMALLINT" or "UINTEGER" or "UBIGINT" or "HUGEINT" or "UHUGEINT":
                Assert.True(actual.AsValue().GetValueKind() == JsonValueKind.Number
                    && BigInteger.Parse(expected.ToJsonString(), CultureInfo.InvariantCulture) == BigInteger.Parse(actual.ToJsonString(), CultureInfo.InvariantCulture),
                    $"{path}: expected integer {Show(expected)}, got {Show(actual)}");
                break;
            case "LIST" or "ARRAY":
                var expectedItems = expected.AsArray();
                var actualItems = actual as JsonArray;
                Assert.True(actualItems is not null && actualItems.Count == expectedItems.Count, $"{path}: expected list {Show(expected)}, got {Show(actual)}");
                for (int i = 0; i < expectedItems.Count; i++)
                    AssertEqual(type["child"]!.AsObject(), expectedItems[i], actualItems[i], $"{path}[{i}]");
                break;
            case "STRUCT":
                var actualFields = actual as JsonObject;
                Assert.True(actualFields is not null, $"{path}: expected struct {Show(expected)}, got {Show(actual)}");
                foreach (var field in type["fields"]!.AsArray())
                {
                    string name = field!["name"]!.GetValue<string>();
                    Assert.True(actualFields.ContainsKey(name), $"{path}: struct lacks field {name}: {Show(actual)}");
                    AssertEqual(field["type"]!.AsObject(), expected[name], actualFields[name], $"{path}.{name}");
                }
                Assert.Equal(type["fields"]!.AsArray().Count, actualFields.Count);
                break;
            case "MAP":
                var expectedEntries = expected.AsArray();
                var actualEntries = actual as JsonArray;
                Assert.True(actualEntries is not null && actualEntries.Count == expectedEntries.Count, $"{path}: expected map {Show(expected)}, got {Show(actual)}");
                for (int i = 0; i < expectedEntries.Count; i++)
                {
                    AssertEqual(type["key"]!.AsObject(), expectedEntries[i]!["key"], actualEntries[i]?["key"], $"{path}{{{i}}}.key");
                    AssertEqual(type["value"]!.AsObject(), expectedEntries[i]!["value"], actualEntries[i]?["value"], $"{path}{{{i}}}.value");
                }
                break;
            default:
                Assert.True(JsonNode.DeepEquals(expected, actual), $"{path}: expected {Show(expected)}, got {Show(actual)}");
                break;
        }
    }

    private static string Show(JsonNode? node) => node?.ToJsonString() ?? "null";
}
