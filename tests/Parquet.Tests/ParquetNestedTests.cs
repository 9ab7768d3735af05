using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Parquet.Tests;

public class ParquetNestedTests
{
    private static Dictionary<string, object?> Struct(params (string, object?)[] fields) => fields.ToDictionary(f => f.Item1, f => f.Item2);
    private static List<object?> L(params object?[] items) => items.ToList();
    private static List<KeyValuePair<object, object?>> M(params (object, object?)[] entries) => entries.Select(e => new KeyValuePair<object, object?>(e.Item1, e.Item2)).ToList();

    private static readonly ParquetSchema NestedSchema = new(
        ParquetField.Int64("id"),
        // optional list of optional ints: null list, empty list, null element
        ParquetField.List("tags", ParquetField.Int32("element", optional: true), optional: true),
        // optional struct holding a required list and an optional string
        ParquetField.Struct("info", true,
            ParquetField.List("scores", ParquetField.Double("element")),
            ParquetField.String("note", optional: true)),
        // list of structs
        ParquetField.List("points", ParquetField.Struct("element", true, ParquetField.Float("x"), ParquetField.Float("y", optional: true)), optional: true),
        // map string -> optional long
        ParquetField.Map("counts", ParquetField.String("key"), ParquetField.Int64("value", optional: true), optional: true),
        // list of lists
        ParquetField.List("matrix", ParquetField.List("element", ParquetField.Int32("element"), optional: true), optional: true));

    private static List<object?[]> NestedRows() =>
    [
        [1L, L(1, null, 3), Struct(("scores", L(0.5, 1.5)), ("note", "a")), L(Struct(("x", 1f), ("y", 2f)), null), M(("a", 1L), ("b", null)), L(L(1, 2), L(), null)],
        [2L, null, null, null, null, null],
        [3L, L(), Struct(("scores", L()), ("note", null)), L(), M(), L()],
        [4L, L((object?)null), Struct(("scores", L(2.0)), ("note", "")), L(Struct(("x", 3f), ("y", null))), M(("z", 9L)), L(L(7))],
    ];

    [Theory]
    [InlineData(1, ParquetCompression.Snappy)]
    [InlineData(2, ParquetCompression.Gzip)]
    [InlineData(1, ParquetCompression.Uncompressed)]
    public void Nested_rows_with_nulls_at_every_level_round_trip(int pageVersion, ParquetCompression codec)
    {
        var rows = NestedRows();
        var bytes = ParquetRoundTripTests.Write(NestedSchema, w => w.WriteRows(rows), new ParquetWriteOptions { DataPageVersion = pageVersion, Compression = codec });
        using var r = new ParquetFileReader(bytes);
        Assert.Equal(["id", "tags", "info", "points", "counts", "matrix"], r.GetRowFieldNames());
        RowValues.AssertRowsEqual(rows, r.ReadRows().ToList());
    }

    [Fact]
    public void Levels_of_an_optional_list_of_optional_elements_follow_Dremel()
    {
        var rows = NestedRows();
        var bytes = ParquetRoundTripTests.Write(NestedSchema, w => w.WriteRows(rows));
        using var r = new ParquetFileReader(bytes);
        var tags = r.ReadColumn(0, "tags.list.element");
        Assert.Equal(3, tags.Column.MaxDefinitionLevel);
        Assert.Equal(1, tags.Column.MaxRepetitionLevel);
        // [1,null,3] | null | [] | [null]
        Assert.Equal(new short[] { 3, 2, 3, 0, 1, 2 }, tags.DefinitionLevels);
        Assert.Equal(new short[] { 0, 1, 1, 0, 0, 0 }, tags.RepetitionLevels);
        Assert.Equal(new[] { 1, 3 }, tags.GetValues<int>());

        var list = r.ReadList<int>(0, "tags");
        Assert.Equal(new[] { 0, 3, 3, 3, 4 }, list.Offsets);
        Assert.Equal(new[] { true, false, true, true }, list.Validity);
        Assert.Equal(new[] { true, false, true, false }, list.ElementValidity);
        Assert.Equal(new[] { 1, 0, 3, 0 }, list.Values);
    }

    [Fact]
    public void Columnar_list_batch_with_null_and_empty_lists_reads_back_as_rows()
    {
        var schema = new ParquetSchema(ParquetField.List("v", ParquetField.Float("element"), optional: true));
        float[] values = [1, 2, 3, 4];
        int[] offsets = [0, 2, 2, 2, 4];
        bool[] validity = [true, true, false, true];
        var bytes = ParquetRoundTripTests.Write(schema, w => w.WriteBatch(new ParquetColumnBatch(4).AddList<float>("v", values, offsets, validity)));
        using var r = new ParquetFileReader(bytes);
        RowValues.AssertRowsEqual([[L(1f, 2f)], [L()], [null], [L(3f, 4f)]], r.ReadRows().ToList());
        var back = r.ReadList<float>(0, "v");
        Assert.Equal(offsets, back.Offsets);
        Assert.Equal(validity, back.Validity);
        Assert.Null(back.ElementValidity);
    }

    [Fact]
    public void Leveled_batch_writes_any_nesting()
    {
        // matrix-like column: list<list<int>> with rows [[1,2],[3]] and [[]]
        var schema = new ParquetSchema(ParquetField.List("m", ParquetField.List("element", ParquetField.Int32("element"))));
        var column = schema.Columns[0];
        Assert.Equal(2, column.MaxRepetitionLevel);
        Assert.Equal(2, column.MaxDefinitionLevel);
        short[] def = [2, 2, 2, 1];
        short[] rep = [0, 2, 1, 0];
        var bytes = ParquetRoundTripTests.Write(schema, w => w.WriteBatch(new ParquetColumnBatch(2).AddLeveled<int>("m", new[] { 1, 2, 3 }, def, rep)));
        using var r = new ParquetFileReader(bytes);
        RowValues.AssertRowsEqual([[L(L(1, 2), L(3))], [L(L())]], r.ReadRows().ToList());
    }

    [Fact]
    public void Legacy_two_level_lists_are_read_by_the_compatibility_rules()
    {
        var schema = new ParquetSchema(
            // repeated primitive directly under the LIST group
            new ParquetGroupField("a", ParquetRepetition.Optional, ParquetLogicalType.List,
                [new ParquetPrimitiveField("element", ParquetPhysicalType.Int32, ParquetRepetition.Repeated)]),
            // repeated group named "array" with one field: the group itself is the element
            new ParquetGroupField("b", ParquetRepetition.Optional, ParquetLogicalType.List,
                [new ParquetGroupField("array", ParquetRepetition.Repeated, null, [ParquetField.String("s")])]),
            // repeated group named <list>_tuple: also the element
            new ParquetGroupField("c", ParquetRepetition.Required, ParquetLogicalType.List,
                [new ParquetGroupField("c_tuple", ParquetRepetition.Repeated, null, [ParquetField.Int64("n")])]),
            // a bare repeated field outside any LIST annotation
            new ParquetPrimitiveField("d", ParquetPhysicalType.Double, ParquetRepetition.Repeated));
        Assert.Same(schema.RootNode.Children[0].Repeated, schema.RootNode.Children[0].Element);
        Assert.Same(schema.RootNode.Children[1].Repeated, schema.RootNode.Children[1].Element);
        Assert.Same(schema.RootNode.Children[2].Repeated, schema.RootNode.Children[2].Element);
        List<object?[]> rows =
        [
            [L(1, 2), L(Struct(("s", "x")), Struct(("s", "y"))), L(Struct(("n", 5L))), L(1.5, 2.5)],
            [null, L(), L(), L()],
        ];
        var bytes = ParquetRoundTripTests.Write(schema, w => w.WriteRows(rows));
        using var r = new ParquetFileReader(bytes);
        RowValues.AssertRowsEqual(rows, r.ReadRows().ToList());
        Assert.Equal(new[] { 0, 2, 2 }, r.ReadList<int>(0, "a").Offsets);
    }

    [Fact]
    public void Projection_reads_only_named_fields_and_nested_children()
    {
        var rows = NestedRows();
        var bytes = ParquetRoundTripTests.Write(NestedSchema, w => w.WriteRows(rows));
        using var r = new ParquetFileReader(bytes);
        var options = new ParquetReadOptions { Columns = ["counts", "id", "info.note"] };
        Assert.Equal(["id", "info", "counts"], r.GetRowFieldNames(options));
        var back = r.ReadRows(options).ToList();
        RowValues.AssertRowsEqual(rows.Select(row => new object?[]
        {
            row[0],
            row[2] is Dictionary<string, object?> info ? Struct(("note", info["note"])) : null,
            row[4],
        }).ToList(), back);
    }

    [Fact]
    public void Writing_a_null_into_a_required_field_names_the_row_and_field()
    {
        var schema = new ParquetSchema(ParquetField.Int32("a"), ParquetField.Struct("s", false, ParquetField.String("name")));
        using var w = new ParquetFileWriter(new MemoryStream(), schema);
        w.WriteRow([1, Struct(("name", "ok"))]);
        var e = Assert.Throws<ArgumentException>(() => w.WriteRow([2, Struct(("name", null))]));
        Assert.Contains("row 1", e.Message);
        Assert.Contains("s.name", e.Message);
        // The failed row left no partial levels behind: the writer still produces a valid file.
        w.WriteRow([3, Struct(("name", "z"))]);
    }

    [Fact]
    public void Mostly_null_columns_much_longer_than_their_bytes_read_back_exactly()
    {
        // All-null runs encode in a few bytes, so result arrays must grow past the byte-based first guess.
        var schema = new ParquetSchema(ParquetField.Float("f", optional: true), ParquetField.List("l", ParquetField.Int32("element"), optional: true));
        const int n = 60000;
        var f = new float[n];
        var fValid = new bool[n];
        f[n - 1] = 5;
        fValid[n - 1] = true;
        var offsets = new int[n + 1];
        offsets[n] = 2;
        var lValid = new bool[n];
        lValid[n - 1] = true;
        var bytes = ParquetRoundTripTests.Write(schema, w => w.WriteBatch(new ParquetColumnBatch(n).Add<float>("f", f, fValid).AddList<int>("l", new[] { 7, 8 }, offsets, lValid)));
        using var r = new ParquetFileReader(bytes);
        Assert.True(r.Metadata.RowGroups[0].Columns[0].TotalUncompressedSize * 8 + 4096 < n, "the test needs a column whose bytes understate its rows");
        var fBack = r.ReadValues<float>(0, "f", out var fValidity);
        Assert.Equal(f, fBack);
        Assert.Equal(fValid, fValidity);
        var l = r.ReadList<int>(0, "l");
        Assert.Equal(offsets, l.Offsets);
        Assert.Equal(lValid, l.Validity);
        Assert.Equal(new[] { 7, 8 }, l.Values);
    }
}
