using OfflineSafety.Envs.Suites;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Interop.Tests.Peers;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;
using OfflineSafety.Storage;

namespace OfflineSafety.Interop.Tests.Parquet;

/// <summary>
/// Apache Arrow's C++ Parquet (ParquetSharp) and Parquet.Net read every file we write, leaf by
/// leaf, with the levels and values our reader sees: every column type, nulls, nested lists, maps
/// and structs, every codec and encoding our writer offers, data page v2, several row groups
/// (<see cref="OurWritesTests"/>'s variants, which DuckDB also reads), and the files our ingest
/// writes (data files with list&lt;float&gt; vectors, and a Delta checkpoint).
/// </summary>
public sealed class PeersReadOurFilesTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Variants() => OurWritesTests.Variants();

    [Theory]
    [MemberData(nameof(Variants))]
    public void Arrow_cpp_reads_our_values(string variant)
    {
        string path = OurWritesTests.WriteVariant(_folder, variant);
        LeafColumn.AssertEqual(LeafColumn.ReadOurs(path), ParquetSharpPeer.ReadLeaves(path), $"ParquetSharp, {variant}");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Parquet_Net_reads_our_values(string variant)
    {
        string path = OurWritesTests.WriteVariant(_folder, variant);
        // Parquet.Net 6.1 cannot read repeated columns from DATA_PAGE_V2 pages (ParquetNetPeerTests): it reads the others.
        bool v2 = OurWritesTests.Options(variant).DataPageVersion == 2;
        await ParquetNetPeer.AssertReadsLikeOursAsync(path, OurWritesTests.Schema, $"Parquet.Net, {variant}",
            v2 ? column => column.MaxRepetitionLevel == 0 : null);
    }

    /// <summary>Our reader is checked against the rows we wrote, so the peers' agreement with it is agreement with the rows.</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Our_reader_returns_the_rows_we_wrote(string variant)
    {
        string path = OurWritesTests.WriteVariant(_folder, variant);
        using var reader = ParquetFileReader.Open(path);
        Assert.Equal(OurRows.ToJson(OurWritesTests.Schema, OurWritesTests.Rows).Select(r => r.ToJsonString()),
            OurRows.Read(path).Select(r => r.ToJsonString()));
    }

    public static TheoryData<ParquetCompression> Codecs() =>
    [
        ParquetCompression.Uncompressed, ParquetCompression.Snappy, ParquetCompression.Gzip,
        ParquetCompression.Brotli, ParquetCompression.Zstd, ParquetCompression.Lz4Raw,
    ];

    /// <summary>The transitions shape (list&lt;float&gt; vectors through the batch API), several row groups, each codec.</summary>
    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task Both_peers_read_our_float_vector_batches(ParquetCompression codec)
    {
        const int rows = 3000, dim = 7;
        var schema = new ParquetSchema(ParquetField.Int64("episode_id"), ParquetField.List("obs", ParquetField.Float("element")),
            ParquetField.List("maybe", ParquetField.Float("element"), optional: true), ParquetField.Float("reward"));
        var random = new Random(3);
        var obs = new float[rows * dim];
        for (int i = 0; i < obs.Length; i++) obs[i] = (float)(random.NextDouble() * 2 - 1);
        var maybeOffsets = new int[rows + 1];
        var maybeValues = new List<float>();
        var maybeValidity = new bool[rows];
        for (int r = 0; r < rows; r++)
        {
            maybeValidity[r] = r % 7 != 0;
            if (maybeValidity[r])
                for (int k = 0; k < r % 4; k++) maybeValues.Add(r + k / 8f);
            maybeOffsets[r + 1] = maybeValues.Count;
        }
        string path = _folder.File($"vectors-{codec}.parquet");
        using (var writer = ParquetFileWriter.Create(path, schema, new ParquetWriteOptions { Compression = codec, MaxRowGroupRows = 1000 }))
            writer.WriteBatch(new ParquetColumnBatch(rows)
                .Add<long>("episode_id", Enumerable.Range(0, rows).Select(i => (long)i / 50).ToArray())
                .AddFixedSizeList<float>("obs", obs, dim)
                .AddList<float>("maybe", maybeValues.ToArray(), maybeOffsets, maybeValidity)
                .Add<float>("reward", Enumerable.Range(0, rows).Select(i => i * 0.5f).ToArray()));

        using (var reader = ParquetFileReader.Open(path))
        {
            Assert.Equal(3, reader.RowGroupCount);
            Assert.Equal(obs, Enumerable.Range(0, 3).SelectMany(g => reader.ReadFixedSizeList<float>(g, "obs", dim)));
        }
        var ours = LeafColumn.ReadOurs(path);
        LeafColumn.AssertEqual(ours, ParquetSharpPeer.ReadLeaves(path), $"ParquetSharp, {codec}");
        await ParquetNetPeer.AssertReadsLikeOursAsync(path, schema, $"Parquet.Net, {codec}");
    }

    /// <summary>Every Parquet file a dataset version holds: data files (after a delete rewrote some) and the Delta checkpoint.</summary>
    [Fact]
    public async Task Both_peers_read_the_files_our_ingest_writes()
    {
        string root = _folder.File("store");
        var store = new DatasetStore(new LocalObjectStore(root));
        var suite = new SuiteGenerator().Generate(new SuiteRequest("navigation2", 3, 300, "auto", 40, Seed: 7));
        await SuiteDataset.WriteAsync(store, "nav", suite);
        await store.DeleteAsync("nav", RowFilter.Parse($"variant={suite.Training[0].Variant.Variant.Id}"));
        var log = store.Log("nav");
        await log.WriteCheckpointAsync(await log.GetSnapshotAsync(null));

        var files = Directory.GetFiles(root, "*.parquet", SearchOption.AllDirectories).Order().ToList();
        Assert.Contains(files, f => f.Contains("checkpoint"));
        Assert.True(files.Count >= 4, string.Join(", ", files));
        foreach (string file in files)
        {
            var ours = LeafColumn.ReadOurs(file);
            LeafColumn.AssertEqual(ours, ParquetSharpPeer.ReadLeaves(file), $"ParquetSharp, {file}");
            using var reader = ParquetFileReader.Open(file);
            await ParquetNetPeer.AssertReadsLikeOursAsync(file, reader.Schema, $"Parquet.Net, {file}");
        }
    }
}
