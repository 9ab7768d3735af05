using System.Text.Json.Nodes;

namespace OfflineSafety.Interop.Tests.Peers;

/// <summary>The peer's value contract, on which every interop comparison rests.</summary>
[Collection(DuckDbCollection.Name)]
public sealed class DuckDbPeerTests(DuckDbPeer duckDb)
{
    [Fact]
    public void Floats_and_big_integers_come_back_bit_exact()
    {
        var result = duckDb.Query("""
            SELECT 0.1::FLOAT AS f, 0.1::DOUBLE AS d, 9223372036854775807::BIGINT AS big,
                   '-0'::DOUBLE AS negative_zero, 'nan'::FLOAT AS nan, '-inf'::DOUBLE AS minus_inf,
                   1.4e-45::FLOAT AS tiny
            """);

        var row = result.Rows.Single();
        Assert.Equal(BitConverter.SingleToInt32Bits(0.1f), BitConverter.SingleToInt32Bits(ParquetJsonValues.ParseFloat(row[0])));
        Assert.Equal(BitConverter.DoubleToInt64Bits(0.1), BitConverter.DoubleToInt64Bits(ParquetJsonValues.ParseDouble(row[1])));
        Assert.Equal("9223372036854775807", row[2]!.ToJsonString());
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(ParquetJsonValues.ParseDouble(row[3])));
        Assert.True(float.IsNaN(ParquetJsonValues.ParseFloat(row[4])));
        Assert.Equal(double.NegativeInfinity, ParquetJsonValues.ParseDouble(row[5]));
        Assert.Equal(float.Epsilon, ParquetJsonValues.ParseFloat(row[6]));
    }

    [Fact]
    public void Nested_values_keep_their_shape_and_types()
    {
        var result = duckDb.Query("""
            SELECT [1, NULL, 3] AS l, []::INT[] AS empty, {'a': 1.5::FLOAT, 'b': 'x'} AS s,
                   MAP {2: 'two'} AS m, '\xAA\x00'::BLOB AS bytes
            """);

        var row = result.Rows.Single();
        Assert.Equal("[1,null,3]", row[0]!.ToJsonString());
        Assert.Equal("[]", row[1]!.ToJsonString());
        Assert.Equal("""{"a":1.5,"b":"x"}""", row[2]!.ToJsonString());
        Assert.Equal("""[{"key":2,"value":"two"}]""", row[3]!.ToJsonString());
        Assert.Equal(Convert.ToBase64String([0xAA, 0x00]), row[4]!.GetValue<string>());
        Assert.Equal("LIST", result.Columns[0].Type["id"]!.GetValue<string>());
        Assert.Equal("INTEGER", result.Columns[0].Type["child"]!["id"]!.GetValue<string>());
        Assert.Equal("MAP", result.Columns[3].Type["id"]!.GetValue<string>());
    }

    [Fact]
    public void Sql_errors_surface_as_exceptions_with_duckdb_message()
    {
        var ex = Assert.Throws<DuckDbException>(() => duckDb.Query("SELECT * FROM no_such_table"));
        Assert.Contains("no_such_table", ex.Message);
    }
}
