using System.Runtime.CompilerServices;
using OfflineSafety.Parquet;
namespace OfflineSafety.Parquet.Encodings;

/// <summary>BYTE_STREAM_SPLIT: byte k of value i is stored at k*N + i, which helps float compression.</summary>
internal static class ByteStreamSplit
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Decode(ReadOnlySpan<byte> src, int width, int count, Span<byte> dst)
    {
        long bytes = (long)width * count;
        if (bytes > src.Length) throw new ParquetFormatException($"BYTE_STREAM_SPLIT data holds {src.Length} bytes, {count} values need {bytes}");
        for (int k = 0; k < width; k++)
        {
            var stream = src.Slice(k * count, count);
            for (int i = 0; i < count; i++) dst[i * width + k] = stream[i];
        }
        return (int)bytes;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Encode(ReadOnlySpan<byte> values, int width, PooledBuffer output)
    {
        int count = values.Length / width;
        var span = output.GetSpan(values.Length)[..values.Length];
        for (int k = 0; k < width; k++)
            for (int i = 0; i < count; i++) span[k * count + i] = values[i * width + k];
        output.Advance(values.Length);
    }
}
