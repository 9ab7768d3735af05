using OfflineSafety.Pipeline.Conversion;

namespace OfflineSafety.Interop.Tests.Conversion;

public sealed class TabularSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("offsafe-tabular-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteFile(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static List<TabularColumn> ReadAll(ITabularSource source, TabularSchema schema, int maxRows = 1000)
    {
        var columns = schema.Fields.Select(f => new TabularColumn(f)).ToList();
        using var blocks = source.OpenBlocks(schema);
        blocks.ReadBlock(columns, maxRows, CancellationToken.None);
        return columns;
    }

    [Fact]
    public void Csv_kinds_widen_int_to_double_and_fall_back_to_string()
    {
        var source = new CsvTableSource(WriteFile("a.csv", "i,d,b,s,mixed,empty\n1,1,true,x,1,\n-2,2.5,FALSE,\"y, \"\"z\"\"\",true,\n"));

        var schema = source.InferSchema(CancellationToken.None);

        Assert.Equal(
            [TabularKind.Int64, TabularKind.Double, TabularKind.Boolean, TabularKind.String, TabularKind.String, TabularKind.String],
            schema.Fields.Select(f => f.Kind));
        var columns = ReadAll(source, schema);
        Assert.Equal([1L, -2L], columns[0].Int64s.ToArray());
        Assert.Equal([1.0, 2.5], columns[1].Doubles.ToArray());
        Assert.Equal([true, false], columns[2].Booleans.ToArray());
        Assert.Equal<IEnumerable<string?>>(["x", "y, \"z\""], columns[3].Strings.ToArray());
        Assert.Equal([false, false], columns[5].RowPresent.ToArray());
    }

    [Fact]
    public void Csv_quoted_newlines_stay_in_the_cell_and_line_numbers_follow_them()
    {
        string path = WriteFile("b.csv", "a,b\r\n\"two\nlines\",1\r\n3\r\n");
        var source = new CsvTableSource(path);

        var ex = Assert.Throws<InvalidDataException>(() => source.InferSchema(CancellationToken.None));

        Assert.Equal($"{path}: line 4: 1 fields, the header has 2", ex.Message);
    }

    [Fact]
    public void Csv_unclosed_quote_names_line_and_field()
    {
        string path = WriteFile("c.csv", "a,b\n1,\"open\n");

        var ex = Assert.Throws<InvalidDataException>(() => new CsvTableSource(path).InferSchema(CancellationToken.None));

        Assert.Equal($"{path}: line 2: field 2: quoted field not closed before end of file", ex.Message);
    }

    [Fact]
    public void Csv_text_after_a_closing_quote_names_line_and_field()
    {
        string path = WriteFile("e.csv", "a,b\n1,2\n\"x\"y,3\n");

        var ex = Assert.Throws<InvalidDataException>(() => new CsvTableSource(path).InferSchema(CancellationToken.None));

        Assert.Equal($"{path}: line 3: field 1: unexpected 'y' after a closing quote", ex.Message);
    }

    [Fact]
    public void Csv_byte_order_mark_is_not_part_of_the_first_name_and_quotes_are_text_inside_a_field()
    {
        string path = Path.Combine(_dir, "f.csv");
        File.WriteAllText(path, "size,label\n5,5\" screen\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        var source = new CsvTableSource(path);

        var schema = source.InferSchema(CancellationToken.None);
        var columns = ReadAll(source, schema);

        Assert.Equal(["size", "label"], schema.Fields.Select(f => f.Name));
        Assert.Equal(["5\" screen"], columns[1].Strings.ToArray());
    }

    [Fact]
    public void Csv_blocks_split_rows_and_reuse_buffers()
    {
        var source = new CsvTableSource(WriteFile("d.csv", "n\n" + string.Join("\n", Enumerable.Range(0, 25)) + "\n"));
        var schema = source.InferSchema(CancellationToken.None);
        var columns = schema.Fields.Select(f => new TabularColumn(f)).ToList();
        using var blocks = source.OpenBlocks(schema);

        var sizes = new List<int>();
        var values = new List<long>();
        int rows;
        while ((rows = blocks.ReadBlock(columns, 10, CancellationToken.None)) > 0)
        {
            sizes.Add(rows);
            values.AddRange(columns[0].Int64s.ToArray());
        }

        Assert.Equal([10, 10, 5], sizes);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (long)i), values);
    }

    [Fact]
    public void JsonLines_arrays_become_lists_and_odd_shapes_become_json_text()
    {
        var source = new JsonLinesTableSource(WriteFile("e.jsonl", """
            {"id": 1, "obs": [0.5, 1], "tags": ["a"], "meta": {"k": 1}, "flag": true}

            {"id": 2, "obs": [], "tags": null, "meta": [1, 2], "extra": 7}
            {"id": 3, "obs": null, "tags": ["b", null], "flag": false}
            """));

        var schema = source.InferSchema(CancellationToken.None);

        Assert.Equal(
            [new("id", TabularKind.Int64, false), new("obs", TabularKind.Double, true), new("tags", TabularKind.String, true),
             new("meta", TabularKind.String, false), new("flag", TabularKind.Boolean, false), new TabularField("extra", TabularKind.Int64, false)],
            schema.Fields);
        var columns = ReadAll(source, schema);
        var obs = columns[1];
        Assert.Equal([true, true, false], obs.RowPresent.ToArray());
        Assert.Equal([0, 2, 2, 2], obs.Offsets.ToArray());
        Assert.Equal([0.5, 1.0], obs.Doubles.ToArray());
        Assert.Equal<IEnumerable<string?>>(["a", "b", null], columns[2].Strings.ToArray());
        Assert.Equal([true, true, false], columns[2].ValuePresent.ToArray());
        Assert.Equal<IEnumerable<string?>>(["""{"k": 1}""", "[1, 2]", null], columns[3].Strings.ToArray());
        Assert.Equal([false, true, false], columns[5].RowPresent.ToArray());
    }

    [Fact]
    public void JsonLines_malformed_line_is_named()
    {
        string path = WriteFile("f.jsonl", "{\"a\": 1}\n{\"a\": 2,}\n");

        var ex = Assert.Throws<InvalidDataException>(() => new JsonLinesTableSource(path).InferSchema(CancellationToken.None));

        Assert.StartsWith($"{path}: line 2: invalid JSON", ex.Message);
    }

    [Fact]
    public void JsonLines_duplicate_field_in_a_row_is_refused()
    {
        string path = WriteFile("g.jsonl", "{\"a\": 1, \"a\": 2}\n");
        var source = new JsonLinesTableSource(path);
        var schema = source.InferSchema(CancellationToken.None);

        var ex = Assert.Throws<InvalidDataException>(() => ReadAll(source, schema));

        Assert.Equal($"{path}: line 1: field \"a\" appears twice", ex.Message);
    }
}
