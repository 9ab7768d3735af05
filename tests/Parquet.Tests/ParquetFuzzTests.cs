using System.Diagnostics;
using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Parquet.Tests;

/// <summary>
/// Random truncations and byte flips of valid files must fail only with the codec's own
/// exception types, and quickly: never hang, crash, or throw an unrelated exception.
/// </summary>
public class ParquetFuzzTests
{
    private static readonly TimeSpan PerFileBound = TimeSpan.FromSeconds(10);

    private static IEnumerable<byte[]> Seeds()
    {
        var rnd = new Random(7);
        var flat = new ParquetSchema(ParquetField.Int64("id"), ParquetField.String("v"), ParquetField.Float("f", optional: true),
            ParquetField.List("obs", ParquetField.Float("element")), ParquetField.Boolean("b"));
        const int n = 300;
        yield return ParquetRoundTripTests.Write(flat, w => w.WriteBatch(new ParquetColumnBatch(n)
            .Add<long>("id", Enumerable.Range(0, n).Select(i => (long)i).ToArray())
            .Add<string>("v", Enumerable.Range(0, n).Select(i => "v" + i % 5).ToArray())
            .Add<float>("f", Enumerable.Range(0, n).Select(i => (float)i).ToArray(), Enumerable.Range(0, n).Select(i => i % 3 != 0).ToArray())
            .AddFixedSizeList<float>("obs", Enumerable.Range(0, n * 3).Select(_ => (float)rnd.NextDouble()).ToArray(), 3)
            .Add<bool>("b", Enumerable.Range(0, n).Select(i => i % 2 == 0).ToArray())), new ParquetWriteOptions { PageSizeBytes = 1024 });

        var nested = new ParquetSchema(ParquetField.List("l", ParquetField.Struct("element", true, ParquetField.Int32("a"), ParquetField.String("s", optional: true)), optional: true),
            ParquetField.Map("m", ParquetField.String("key"), ParquetField.Double("value", optional: true), optional: true));
        var rows = Enumerable.Range(0, 60).Select(i => new object?[]
        {
            i % 4 == 0 ? null : Enumerable.Range(0, i % 3).Select(k => (object?)new Dictionary<string, object?> { ["a"] = k, ["s"] = k % 2 == 0 ? null : "s" + k }).ToList(),
            i % 5 == 0 ? null : new List<KeyValuePair<object, object?>> { new("k" + i, i % 2 == 0 ? null : (double)i) },
        }).ToList();
        yield return ParquetRoundTripTests.Write(nested, w => w.WriteRows(rows), new ParquetWriteOptions { DataPageVersion = 2, Compression = ParquetCompression.Gzip });

        var encoded = new ParquetSchema(ParquetField.Int32("d"), ParquetField.String("s"), ParquetField.Double("x"));
        yield return ParquetRoundTripTests.Write(encoded, w => w.WriteBatch(new ParquetColumnBatch(200)
            .Add<int>("d", Enumerable.Range(0, 200).Select(i => i * 7 - 300).ToArray())
            .Add<string>("s", Enumerable.Range(0, 200).Select(i => "p" + i / 10 + "-" + i).ToArray())
            .Add<double>("x", Enumerable.Range(0, 200).Select(i => i / 3.0).ToArray())),
            new ParquetWriteOptions
            {
                Compression = ParquetCompression.Uncompressed,
                ColumnEncodings = new Dictionary<string, ParquetEncoding> { ["d"] = ParquetEncoding.DeltaBinaryPacked, ["s"] = ParquetEncoding.DeltaByteArray, ["x"] = ParquetEncoding.ByteStreamSplit },
            });
    }

    /// <summary>
    /// Files in the package codecs without page checksums, so that damage reaches the ZSTD and LZ4
    /// decoders themselves, which must turn it into format errors too.
    /// </summary>
    private static IEnumerable<byte[]> UncheckedCodecSeeds()
    {
        var rnd = new Random(7);
        var flat = new ParquetSchema(ParquetField.Int64("id"), ParquetField.String("v"), ParquetField.Float("f", optional: true),
            ParquetField.List("obs", ParquetField.Float("element")), ParquetField.Boolean("b"));
        const int n = 300;
        foreach (var codec in new[] { ParquetCompression.Zstd, ParquetCompression.Lz4Raw })
            yield return ParquetRoundTripTests.Write(flat, w => w.WriteBatch(new ParquetColumnBatch(n)
                .Add<long>("id", Enumerable.Range(0, n).Select(i => (long)i).ToArray())
                .Add<string>("v", Enumerable.Range(0, n).Select(i => "v" + i % 5).ToArray())
                .Add<float>("f", Enumerable.Range(0, n).Select(i => (float)i).ToArray(), Enumerable.Range(0, n).Select(i => i % 3 != 0).ToArray())
                .AddFixedSizeList<float>("obs", Enumerable.Range(0, n * 3).Select(_ => (float)rnd.NextDouble()).ToArray(), 3)
                .Add<bool>("b", Enumerable.Range(0, n).Select(i => i % 2 == 0).ToArray())),
                new ParquetWriteOptions { PageSizeBytes = 1024, Compression = codec, PageChecksums = false });

    }

    /// <summary>Everything a consumer might do with a file.</summary>
    private static void ReadEverything(byte[] bytes, CancellationToken ct)
    {
        using var r = new ParquetFileReader(bytes, "fuzz.parquet");
        for (int g = 0; g < r.RowGroupCount; g++)
            foreach (var c in r.Schema.Columns)
            {
                r.GetStatistics(g, c);
                r.ReadColumn(g, c, ct);
                if (c.MaxRepetitionLevel == 1 && c.ValueType == typeof(float)) r.ReadList<float>(g, c.DottedPath, ct);
            }
        foreach (var _ in r.ReadRows(cancellationToken: ct)) { }
    }

    [Fact]
    public async Task Truncations_and_byte_flips_raise_only_format_or_not_supported_errors_quickly()
    {
        var rnd = new Random(20261121);
        int mutations = 0, failures = 0;
        var unexpected = new List<string>();
        foreach (var seed in Seeds().Concat(UncheckedCodecSeeds()))
        {
            ReadEverything(seed, CancellationToken.None);   // the unmutated file is valid
            for (int m = 0; m < 150; m++)
            {
                var bytes = Mutate(seed, rnd, out string how);
                mutations++;
                using var cts = new CancellationTokenSource(PerFileBound);
                var sw = Stopwatch.StartNew();
                var task = Task.Run(() => ReadEverything(bytes, cts.Token));
                bool finished = await Task.WhenAny(task, Task.Delay(PerFileBound + TimeSpan.FromSeconds(5))) == task;
                Assert.True(finished, $"reading a mutated file did not finish within the bound ({how})");
                Assert.True(sw.Elapsed < PerFileBound, $"reading a mutated file took {sw.Elapsed} ({how})");
                if (task.Exception is { } agg)
                {
                    failures++;
                    var e = agg.InnerExceptions[0];
                    if (e is not (ParquetFormatException or NotSupportedException))
                        unexpected.Add($"{how}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                }
            }
        }
        Assert.True(unexpected.Count == 0, string.Join("\n\n", unexpected.Take(5)));
        Assert.Equal((Seeds().Count() + UncheckedCodecSeeds().Count()) * 150, mutations);
        Assert.True(failures > mutations / 3, $"only {failures} of {mutations} mutations were detected; the mutations are too weak to test anything");
    }

    [Fact]
    public void Flipped_bytes_in_the_pages_give_an_error_or_the_original_values_never_different_ones()
    {
        // Before page checksums, a flip inside a PLAIN float page decoded to a different float with
        // no error (Step 8: 67 of 300 mutated files read with silently different values).
        var rnd = new Random(20261205);
        int flips = 0, detected = 0;
        var silent = new List<string>();
        foreach (var seed in Seeds())
        {
            var original = ReadAllRows(seed);
            int footer = BitConverter.ToInt32(seed, seed.Length - 8);
            int pagesEnd = seed.Length - 8 - footer;
            for (int m = 0; m < 200; m++)
            {
                var bytes = (byte[])seed.Clone();
                int pos = 4 + rnd.Next(pagesEnd - 4);
                bytes[pos] ^= (byte)(1 << rnd.Next(8));
                flips++;
                try
                {
                    if (!RowValues.DeepEqual(original, ReadAllRows(bytes))) silent.Add($"bit flip at byte {pos} of {pagesEnd} page bytes");
                }
                catch (ParquetFormatException) { detected++; }
                catch (NotSupportedException) { detected++; }
            }
        }
        Assert.True(silent.Count == 0, $"{silent.Count} of {flips} flips changed values silently: {string.Join("; ", silent.Take(5))}");
        Assert.True(detected > flips * 9 / 10, $"only {detected} of {flips} page flips were detected");
    }

    [Fact]
    public void Files_without_page_checksums_still_read()
    {
        var schema = new ParquetSchema(ParquetField.Float("x"));
        var bytes = ParquetRoundTripTests.Write(schema, w => w.WriteBatch(new ParquetColumnBatch(3).Add<float>("x", new[] { 1f, 2f, 3f })),
            new ParquetWriteOptions { PageChecksums = false });
        Assert.Equal([1f, 2f, 3f], ReadAllRows(bytes).Select(r => (float)r[0]!).ToArray());
    }

    private static List<object?[]> ReadAllRows(byte[] bytes)
    {
        using var r = new ParquetFileReader(bytes, "fuzz.parquet");
        return r.ReadRows().ToList();
    }

    private static byte[] Mutate(byte[] seed, Random rnd, out string how)
    {
        var bytes = (byte[])seed.Clone();
        switch (rnd.Next(4))
        {
            case 0:
            {
                int length = rnd.Next(bytes.Length);
                how = $"truncated to {length}";
                return bytes[..length];
            }
            case 1:
            {
                // Flips in the footer exercise the Thrift reader and metadata checks.
                int footer = BitConverter.ToInt32(bytes, bytes.Length - 8);
                int pos = bytes.Length - 8 - footer + rnd.Next(footer);
                bytes[pos] = (byte)rnd.Next(256);
                how = $"footer byte {pos} set to {bytes[pos]}";
                return bytes;
            }
            default:
            {
                int flips = rnd.Next(1, 4);
                var positions = new List<int>();
                for (int i = 0; i < flips; i++)
                {
                    int pos = 4 + rnd.Next(bytes.Length - 12);
                    bytes[pos] ^= (byte)(1 << rnd.Next(8));
                    positions.Add(pos);
                }
                how = $"bits flipped at {string.Join(",", positions)}";
                return bytes;
            }
        }
    }
}
