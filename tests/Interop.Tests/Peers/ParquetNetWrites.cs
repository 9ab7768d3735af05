using Parquet;
using Parquet.Schema;
using OurCompression = OfflineSafety.Parquet.Schema.ParquetCompression;
using OurEncoding = OfflineSafety.Parquet.Schema.ParquetEncoding;

namespace OfflineSafety.Interop.Tests.Peers;

/// <summary>
/// Files written by Parquet.Net 6.1 through its column API: nullable scalars, strings, a
/// list&lt;float&gt; of observation vectors (values + repetition levels), and a list with null and
/// empty rows written from explicit levels; one codec or encoding hint per variant.
/// </summary>
public static class ParquetNetWrites
{
    public static readonly ParquetSchema Schema = new(
        new DataField<long>("id"), new DataField<int?>("i32"), new DataField<long?>("i64"), new DataField<float?>("f"),
        new DataField<double?>("d"), new DataField<bool?>("b"), new DataField("s", typeof(string), true),
        new ListField("obs", new DataField<float>("element")), new ListField("maybe", new DataField<int>("element")));

    public static ParquetOptions Options(string variant)
    {
        var options = new ParquetOptions
        {
            CompressionMethod = variant switch
            {
                "none" => CompressionMethod.None,
                "gzip" => CompressionMethod.Gzip,
                "brotli" => CompressionMethod.Brotli,
                "zstd" => CompressionMethod.Zstd,
                "lz4_raw" => CompressionMethod.Lz4Raw,
                _ => CompressionMethod.Snappy,
            },
        };
        switch (variant)
        {
            case "dictionary hints": options.ColumnEncodingHints["s"] = EncodingHint.Dictionary; options.ColumnEncodingHints["i32"] = EncodingHint.Dictionary; break;
            case "delta binary packed": options.ColumnEncodingHints["i64"] = EncodingHint.DeltaBinaryPacked; options.ColumnEncodingHints["id"] = EncodingHint.DeltaBinaryPacked; break;
            case "byte stream split": options.ColumnEncodingHints["f"] = EncodingHint.ByteSplitStream; options.ColumnEncodingHints["d"] = EncodingHint.ByteSplitStream; break;
        }
        return options;
    }

    public static (OurCompression Codec, string? Column, OurEncoding Encoding) Claim(string variant) => variant switch
    {
        "none" => (OurCompression.Uncompressed, null, default),
        "gzip" => (OurCompression.Gzip, null, default),
        "brotli" => (OurCompression.Brotli, null, default),
        "zstd" => (OurCompression.Zstd, null, default),
        "lz4_raw" => (OurCompression.Lz4Raw, null, default),
        "dictionary hints" => (OurCompression.Snappy, "s", OurEncoding.PlainDictionary),
        "delta binary packed" => (OurCompression.Snappy, "i64", OurEncoding.DeltaBinaryPacked),
        "byte stream split" => (OurCompression.Snappy, "f", OurEncoding.ByteStreamSplit),
        _ => (OurCompression.Snappy, null, default),
    };

    /// <summary>The "maybe" column's rows: null every 4th, empty every 4th + 1, else 1..3 ints.</summary>
    public static (int[] Values, int[] Definitions, int[] Repetitions) MaybeLevels(int rows)
    {
        var values = new List<int>();
        var defs = new List<int>();
        var reps = new List<int>();
        for (int r = 0; r < rows; r++)
        {
            switch (r % 4)
            {
                case 0: defs.Add(0); reps.Add(0); break;
                case 1: defs.Add(1); reps.Add(0); break;
                default:
                    for (int k = 0; k < r % 4; k++) { values.Add(r * 10 + k); defs.Add(2); reps.Add(k == 0 ? 0 : 1); }
                    break;
            }
        }
        return (values.ToArray(), defs.ToArray(), reps.ToArray());
    }

    public static async Task WriteAsync(string path, string variant, long[] ids, int?[] ints, long?[] longs, float?[] floats,
        double?[] doubles, bool?[] bools, string?[] strings, float[][] obs)
    {
        var fields = Schema.GetDataFields();
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(Schema, stream, Options(variant));
        using var rowGroup = writer.CreateRowGroup();
        await rowGroup.WriteAsync<long>(fields[0], ids);
        await rowGroup.WriteAsync<int>(fields[1], ints);
        await rowGroup.WriteAsync<long>(fields[2], longs);
        await rowGroup.WriteAsync<float>(fields[3], floats);
        await rowGroup.WriteAsync<double>(fields[4], doubles);
        await rowGroup.WriteAsync<bool>(fields[5], bools);
        await rowGroup.WriteAsync(fields[6], strings!);
        var flat = obs.SelectMany(o => o).ToArray();
        var repetitions = obs.SelectMany(o => o.Select((_, k) => k == 0 ? 0 : 1)).ToArray();
        // The typed WriteAsync(values, repetitionLevels) fails on list columns in 6.1 (see ParquetNetPeerTests): give every level.
        await rowGroup.WriteAllPartsAsync<float>(fields[7], flat, Enumerable.Repeat(fields[7].MaxDefinitionLevel, flat.Length).ToArray(),
            repetitions, CancellationToken.None);
        var (values, defs, reps) = MaybeLevels(ids.Length);
        await rowGroup.WriteAllPartsAsync<int>(fields[8], values, defs, reps, CancellationToken.None);
    }
}
