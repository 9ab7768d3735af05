namespace OfflineSafety.Interop.Tests.Parquet;

/// <summary>One kind of file DuckDB writes: the rows (a SELECT) and the COPY options.</summary>
public sealed record DuckDbVariety(string Name, string Select, string CopyOptions)
{
    public string CopyTo(string path) => $"COPY ({Select}) TO '{path}' (FORMAT parquet{(CopyOptions.Length > 0 ? ", " + CopyOptions : "")})";

    public override string ToString() => Name;
}

/// <summary>The varieties of DuckDB-written Parquet the interop tests read (issue "Step 1", deliverable 3).</summary>
public static class DuckDbVarieties
{
    /// <summary>Every scalar type DuckDB maps to a distinct Parquet physical/logical pair, with edge values.</summary>
    public const string Scalars = """
        SELECT (i % 256 - 128)::TINYINT AS tiny, (i * 100 - 15000)::SMALLINT AS small, (i * 7919 - 1000000)::INTEGER AS int32,
               (i::BIGINT - 150) * 61489623894731 AS int64, (i % 256)::UTINYINT AS utiny,
               (4294967295 - i)::UINTEGER AS uint32, (18446744073709551615 - i)::UBIGINT AS uint64,
               CASE i % 40 WHEN 0 THEN 'nan'::FLOAT WHEN 1 THEN 'inf'::FLOAT WHEN 2 THEN '-inf'::FLOAT WHEN 3 THEN '-0'::FLOAT
                    WHEN 4 THEN 1.4e-45::FLOAT WHEN 5 THEN 3.4028235e38::FLOAT ELSE (i / 7.0 - 20)::FLOAT END AS f,
               CASE i % 40 WHEN 0 THEN 'nan'::DOUBLE WHEN 1 THEN 'inf'::DOUBLE WHEN 2 THEN '-inf'::DOUBLE WHEN 3 THEN '-0'::DOUBLE
                    WHEN 4 THEN 5e-324::DOUBLE WHEN 5 THEN 1.7976931348623157e308::DOUBLE ELSE i / 3.0 - 1e-9 * i END AS d,
               i % 3 = 0 AS b, 'row ' || i AS s, ('b' || i)::BLOB AS bin,
               DATE '1969-12-25' + i::INTEGER AS day, TIMESTAMP '1969-12-31 23:59:58.5' + to_microseconds(i * 1234567) AS ts,
               TIMESTAMPTZ '2024-02-29 12:00:00+00' + to_microseconds(i) AS tstz,
               (i / 8 - 10)::DECIMAL(9, 3) AS dec9, (i * 1000.0001)::DECIMAL(18, 4) AS dec18,
               (i * 123456789.123 - 5)::DECIMAL(38, 10) AS dec38
        FROM range(300) t(i)
        """;

    public const string Nulls = """
        SELECT CASE WHEN i % 3 = 0 THEN NULL ELSE i END AS n_int,
               CASE WHEN i % 4 = 1 THEN NULL ELSE i * 0.25 END AS n_double,
               CASE WHEN i % 5 = 2 THEN NULL ELSE (i * 0.5)::FLOAT END AS n_float,
               CASE WHEN i % 2 = 0 THEN NULL ELSE 's' || i END AS n_string,
               CASE WHEN i % 7 = 0 THEN NULL ELSE i % 2 = 0 END AS n_bool,
               CASE WHEN i % 3 = 1 THEN NULL WHEN i % 3 = 2 THEN [] ELSE [i, NULL, i + 1] END AS n_list,
               CASE WHEN i % 4 = 0 THEN NULL ELSE {'a': CASE WHEN i % 2 = 0 THEN NULL ELSE i END, 'b': NULL::VARCHAR} END AS n_struct,
               CASE WHEN i % 5 = 0 THEN NULL ELSE MAP {'k': CASE WHEN i % 2 = 0 THEN NULL ELSE i END} END AS n_map,
               NULL::INTEGER AS all_null
        FROM range(200) t(i)
        """;

    public const string Lists = """
        SELECT i AS id,
               CASE i % 4 WHEN 0 THEN [] WHEN 1 THEN NULL WHEN 2 THEN [i] ELSE [i, i * 2, i * 3] END AS ints,
               CASE i % 3 WHEN 0 THEN ['a', NULL, ''] WHEN 1 THEN [] ELSE NULL END AS strings,
               CASE i % 3 WHEN 0 THEN [[1, 2], [], NULL, [i]] WHEN 1 THEN [] ELSE [NULL] END AS nested,
               [{'x': i, 'y': 'p' || i}, NULL, {'x': NULL, 'y': NULL}] AS structs,
               list_transform(range(i % 5), k -> (k / 3)::FLOAT) AS floats
        FROM range(150) t(i)
        """;

    public const string Structs = """
        SELECT i AS id,
               {'a': i, 'b': 'v' || i, 'c': {'d': i * 0.5, 'e': [i, i + 1], 'f': {'g': i % 2 = 0}}} AS nested,
               CASE WHEN i % 3 = 0 THEN NULL ELSE {'only': i} END AS maybe,
               {'m': MAP {'k' || i: [i]}} AS with_map
        FROM range(120) t(i)
        """;

    public const string Maps = """
        SELECT i AS id,
               CASE i % 4 WHEN 0 THEN MAP {} WHEN 1 THEN NULL ELSE MAP {'a' || i: i, 'b': NULL} END AS text_keys,
               MAP {i: 'v' || i, i + 1000: NULL} AS int_keys,
               MAP {'list': [i, i], 'empty': []} AS list_values,
               MAP {'s': {'x': i}} AS struct_values
        FROM range(120) t(i)
        """;

    public const string Strings = """
        SELECT i AS id,
               CASE i % 6 WHEN 0 THEN '' WHEN 1 THEN 'héllo wörld' WHEN 2 THEN '世界 🙂 \ " quote' WHEN 3 THEN repeat('long', 1500)
                    WHEN 4 THEN chr(0) || 'nul' ELSE md5(i::VARCHAR) END AS text,
               'group-' || (i % 5) AS low_cardinality,
               md5(i::VARCHAR) AS high_cardinality
        FROM range(400) t(i)
        """;

    /// <summary>A mixed table for the encoding, row-group and compression variants.</summary>
    public const string Mixed = """
        SELECT i AS id, (i * 3)::INTEGER AS i32, i * 0.001 AS d, (i / 9.0)::FLOAT AS f, i % 2 = 1 AS b,
               'cat-' || (i % 13) AS category, md5(i::VARCHAR) AS unique_text,
               CASE WHEN i % 10 = 0 THEN NULL ELSE [i, i + 1] END AS pair
        FROM range(20000) t(i)
        """;

    public static IReadOnlyList<DuckDbVariety> All { get; } =
    [
        new("scalars, defaults", Scalars, ""),
        new("nulls everywhere", Nulls, ""),
        new("lists", Lists, ""),
        new("structs", Structs, ""),
        new("maps", Maps, ""),
        new("strings", Strings, ""),
        new("many small row groups", Mixed, "ROW_GROUP_SIZE 2048"),
        new("dictionary off", Mixed, "DICTIONARY_SIZE_LIMIT 0"),
        new("dictionary on", Mixed, "DICTIONARY_SIZE_LIMIT 1000000"),
        new("parquet v2 (delta, byte stream split)", Mixed, "PARQUET_VERSION V2"),
        new("parquet v2 without dictionary", Mixed, "PARQUET_VERSION V2, DICTIONARY_SIZE_LIMIT 0"),
        new("parquet v2 scalars", Scalars, "PARQUET_VERSION V2"),
        new("snappy", Mixed, "COMPRESSION snappy"),
        new("gzip", Mixed, "COMPRESSION gzip"),
        new("uncompressed", Mixed, "COMPRESSION uncompressed"),
        new("brotli", Lists, "COMPRESSION brotli"),
        new("zstd", Mixed, "COMPRESSION zstd"),
        new("lz4 (LZ4_RAW)", Lists, "COMPRESSION lz4"),
    ];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var v in All) data.Add(v.Name);
        return data;
    }

    public static DuckDbVariety Named(string name) => All.Single(v => v.Name == name);
}
