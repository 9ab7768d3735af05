using OfflineSafety.Interop.Tests.Peers;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;
using Parquet;
using Xunit.Abstractions;

namespace OfflineSafety.Interop.Tests.Parquet;

/// <summary>A peer bug we hit, kept as a test of the peer: when Parquet.Net fixes it, this fails and the workaround can go.</summary>
public sealed class ParquetNetPeerTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Parquet_Net_6_1_typed_read_of_a_list_column_mis_sizes_its_definition_levels()
    {
        const int rows = 200;
        var schema = new ParquetSchema(ParquetField.List("obs", ParquetField.Float("element"), optional: true));
        string path = _folder.File("lists.parquet");
        int levels = 0;
        using (var writer = ParquetFileWriter.Create(path, schema))
            for (int r = 0; r < rows; r++)
            {
                // Null, empty and 3-element lists: more level entries than values.
                List<object?>? row = (r % 3) switch { 0 => null, 1 => [], _ => [r * 1f, r + 0.5f, -r * 1f] };
                levels += row is { Count: > 0 } ? row.Count : 1;
                writer.WriteRow([row]);
            }

        await using var reader = await ParquetReader.CreateAsync(path);
        var field = reader.Schema.GetDataFields().Single();
        var rowGroup = reader.OpenRowGroupReader(0);
        // Buffers sized for every level entry, as the typed API's nullable overload asks.
        var values = new float?[levels];
        var repetitions = new int[levels];
        var failure = await Record.ExceptionAsync(async () => await rowGroup.ReadAsync<float>(field, values, repetitions));
        output.WriteLine(failure?.ToString() ?? "no failure");
        // It sizes its own definition-level buffer by the row count, not the level count:
        // "Definition levels buffer is too small for field 'obs/list/element' (length 200 < numValues 200)".
        Assert.IsType<ArgumentException>(failure);
        Assert.Contains("Definition levels buffer is too small", failure.Message);

        // The raw API reads the same column correctly (the workaround the peer tests use).
        await ParquetNetPeer.AssertReadsLikeOursAsync(path, schema, "Parquet.Net raw API");
    }

    [Fact]
    public async Task Parquet_Net_6_1_typed_write_of_a_list_column_has_no_definition_levels()
    {
        string path = _folder.File("written.parquet");
        var failure = await Record.ExceptionAsync(async () =>
        {
            await using var stream = File.Create(path);
            var element = new global::Parquet.Schema.DataField<float>("element");
            await using var writer = await ParquetWriter.CreateAsync(new global::Parquet.Schema.ParquetSchema(new global::Parquet.Schema.ListField("obs", element)), stream);
            using var rowGroup = writer.CreateRowGroup();
            // Values plus repetition levels, the overload the typed API offers for repeated columns.
            await rowGroup.WriteAsync<float>(element, new float[] { 1, 2, 3, 4 }, new int[] { 0, 1, 0, 1 });
        });
        output.WriteLine(failure?.ToString() ?? "no failure");
        Assert.IsType<InvalidOperationException>(failure);
        Assert.Contains("Definition levels are not ready", failure.Message);
    }

    [Fact]
    public async Task Parquet_Net_6_1_does_not_read_repeated_columns_from_data_page_v2()
    {
        string path = _folder.File("v2.parquet");
        var schema = new ParquetSchema(ParquetField.Int64("id"), ParquetField.List("obs", ParquetField.Float("element")));
        using (var writer = ParquetFileWriter.Create(path, schema, new ParquetWriteOptions { DataPageVersion = 2 }))
            for (int r = 0; r < 50; r++) writer.WriteRow([(long)r, new List<object?> { r * 1f, -r * 1f }]);

        var failure = await Record.ExceptionAsync(() => ParquetNetPeer.ReadLeavesAsync(path, schema));
        output.WriteLine(failure?.ToString() ?? "no failure");
        Assert.IsType<NotImplementedException>(Assert.IsType<PeerFailure>(failure).InnerException);
        Assert.Contains("column obs.list.element", failure.Message);
        // Arrow's reader and ours read the same file.
        LeafColumn.AssertEqual(LeafColumn.ReadOurs(path), ParquetSharpPeer.ReadLeaves(path), "ParquetSharp, v2 lists");
    }
}
