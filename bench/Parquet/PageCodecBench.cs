using System.Diagnostics;
using System.Runtime.InteropServices;
using OfflineSafety.Parquet.Compression;
using OfflineSafety.Parquet.Encodings;
using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Bench.Parquet;

/// <summary>One codec on one kind of page: throughput both ways and the size it reached.</summary>
public sealed record PageCodecFigure(string Page, string Codec, double CompressMBps, double DecompressMBps, double Ratio);

/// <summary>
/// Page codecs on the pages our datasets are made of: our Snappy against Snappier (Step 14: keep the
/// faster), and ZSTD / LZ4_RAW for context. Each codec is timed in alternation with the others over
/// several rounds and the median kept, so a busy neighbour skews every column alike.
/// </summary>
public static class PageCodecBench
{
    private const int PageBytes = 1 << 20;

    public static IReadOnlyList<PageCodecFigure> Run(int rounds, CancellationToken ct)
    {
        var figures = new List<PageCodecFigure>();
        foreach (var (name, page) in Pages())
        {
            var codecs = Codecs(page);
            var compress = codecs.ToDictionary(c => c.Name, _ => new List<double>());
            var decompress = codecs.ToDictionary(c => c.Name, _ => new List<double>());
            for (int r = 0; r < rounds; r++)
                foreach (var c in codecs)
                {
                    ct.ThrowIfCancellationRequested();
                    compress[c.Name].Add(Throughput(page.Length, c.Compress));
                    decompress[c.Name].Add(Throughput(page.Length, c.Decompress));
                }
            foreach (var c in codecs)
                figures.Add(new PageCodecFigure(name, c.Name, Median(compress[c.Name]), Median(decompress[c.Name]), (double)page.Length / c.CompressedLength));
        }
        return figures;
    }

    private sealed record Codec(string Name, Action Compress, Action Decompress, int CompressedLength);

    private static List<Codec> Codecs(byte[] page)
    {
        var back = new byte[page.Length];
        var list = new List<Codec>();

        var ours = new byte[SnappyEncoder.MaxCompressedLength(page.Length)];
        int oursLength = SnappyEncoder.Encode(page, ours);
        list.Add(new Codec("snappy (ours)", () => SnappyEncoder.Encode(page, ours), () => SnappyDecoder.Decode(ours.AsSpan(0, oursLength), back), oursLength));
        SnappyDecoder.Decode(ours.AsSpan(0, oursLength), back);
        Check(page, back, "our Snappy");

        var theirs = new byte[Snappier.Snappy.GetMaxCompressedLength(page.Length)];
        int theirsLength = Snappier.Snappy.Compress(page, theirs);
        list.Add(new Codec("snappy (Snappier 1.3.2)", () => Snappier.Snappy.Compress(page, theirs), () => Snappier.Snappy.Decompress(theirs.AsSpan(0, theirsLength), back), theirsLength));

        foreach (var codec in new[] { ParquetCompression.Zstd, ParquetCompression.Lz4Raw })
        {
            using var output = new PooledBuffer();
            int length = PageCompression.Compress(codec, page, output);
            var compressed = output.WrittenSpan.ToArray();
            list.Add(new Codec(codec == ParquetCompression.Zstd ? "zstd level 3" : "lz4_raw",
                () => { output.Clear(); PageCompression.Compress(codec, page, output); },
                () => PageCompression.Decompress(codec, compressed, back), length));
        }
        return list;
    }

    private static void Check(byte[] page, byte[] back, string what)
    {
        if (!page.AsSpan().SequenceEqual(back)) throw new InvalidOperationException($"{what} did not round-trip");
    }

    private static double Throughput(int bytes, Action step)
    {
        step();
        int count = 0;
        long start = Stopwatch.GetTimestamp();
        do
        {
            step();
            count++;
        }
        while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < 150);
        return bytes * (double)count / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e6;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>Three page kinds of a 1M-row transition table, PLAIN-encoded as our writer lays them out.</summary>
    private static IEnumerable<(string Name, byte[] Page)> Pages()
    {
        var generator = new TransitionTableGenerator();
        int rows = PageBytes / (4 * TransitionTableGenerator.ObsDim);
        var table = TransitionTableGenerator.Allocate(rows);
        generator.Fill(table, 0, rows);
        yield return ("obs floats", MemoryMarshal.AsBytes(table.Obs.AsSpan(0, rows * TransitionTableGenerator.ObsDim)).ToArray());

        var ids = new long[PageBytes / 8];
        for (int i = 0; i < ids.Length; i++) ids[i] = i / 1000;
        yield return ("episode ids", MemoryMarshal.AsBytes(ids.AsSpan()).ToArray());

        using var strings = new PooledBuffer();
        for (int i = 0; strings.Length < PageBytes - 64; i++) PlainCodec.EncodeString($"variant-{i % 20}", strings);
        yield return ("variant strings", strings.WrittenSpan.ToArray());
    }
}
