namespace OfflineSafety.Ingest.Parquet.Compression;

/// <summary>Snappy raw-block compression through IronSnappy.</summary>
internal static class SnappyEncoder
{
    public static int MaxCompressedLength(int length) => 32 + length + length / 6;

    public static int Encode(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        var encoded = IronSnappy.Snappy.Encode(src);
        encoded.CopyTo(dst);
        return encoded.Length;
    }
}
