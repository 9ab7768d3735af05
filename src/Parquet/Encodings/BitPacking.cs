using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace OfflineSafety.Parquet.Encodings;

/// <summary>
/// Little-endian bit packing as used by the RLE/bit-packed hybrid and DELTA_BINARY_PACKED:
/// value i occupies bits [i*w, (i+1)*w) counting from the least significant bit of byte 0.
/// </summary>
internal static class BitPacking
{
    /// <summary>Bytes needed to hold <paramref name="count"/> values of <paramref name="bitWidth"/> bits.</summary>
    public static long ByteCount(long count, int bitWidth) => (count * bitWidth + 7) >> 3;

    /// <summary>Unpacks values of up to 32 bits; <paramref name="src"/> must hold <see cref="ByteCount"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Unpack<T>(ReadOnlySpan<byte> src, int bitWidth, Span<T> dst) where T : unmanaged, IBinaryInteger<T>
    {
        if (bitWidth == 0)
        {
            dst.Clear();
            return;
        }
        if (bitWidth == 1 && typeof(T) == typeof(short))
        {
            UnpackBits(src, System.Runtime.InteropServices.MemoryMarshal.Cast<T, short>(dst));
            return;
        }
        ulong mask = (1UL << bitWidth) - 1;
        int n = dst.Length;
        // Fast part: every value whose 8-byte window lies inside src.
        long safeBits = ((long)src.Length - 8) * 8;
        int i = 0;
        long bit = 0;
        for (; i < n && bit <= safeBits; i++, bit += bitWidth)
        {
            ulong word = BinaryPrimitives.ReadUInt64LittleEndian(src.Slice((int)(bit >> 3), 8));
            dst[i] = T.CreateTruncating((word >> (int)(bit & 7)) & mask);
        }
        for (; i < n; i++, bit += bitWidth)
        {
            int start = (int)(bit >> 3);
            ulong word = 0;
            int avail = Math.Min(8, src.Length - start);
            for (int b = 0; b < avail; b++) word |= (ulong)src[start + b] << (8 * b);
            dst[i] = T.CreateTruncating((word >> (int)(bit & 7)) & mask);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UnpackBits(ReadOnlySpan<byte> src, Span<short> dst)
    {
        int n = dst.Length;
        int full = n >> 3;
        for (int b = 0; b < full; b++)
        {
            int v = src[b];
            var d = dst.Slice(b << 3, 8);
            d[0] = (short)(v & 1);
            d[1] = (short)((v >> 1) & 1);
            d[2] = (short)((v >> 2) & 1);
            d[3] = (short)((v >> 3) & 1);
            d[4] = (short)((v >> 4) & 1);
            d[5] = (short)((v >> 5) & 1);
            d[6] = (short)((v >> 6) & 1);
            d[7] = (short)((v >> 7) & 1);
        }
        for (int i = full << 3; i < n; i++) dst[i] = (short)((src[i >> 3] >> (i & 7)) & 1);
    }

    /// <summary>Unpacks values of up to 64 bits (DELTA_BINARY_PACKED miniblocks).</summary>
    public static void Unpack64(ReadOnlySpan<byte> src, int bitWidth, Span<ulong> dst)
    {
        if (bitWidth <= 32)
        {
            Unpack(src, bitWidth, dst);
            return;
        }
        ulong mask = bitWidth == 64 ? ulong.MaxValue : (1UL << bitWidth) - 1;
        long bit = 0;
        for (int i = 0; i < dst.Length; i++, bit += bitWidth)
        {
            int start = (int)(bit >> 3);
            int shift = (int)(bit & 7);
            UInt128 word = 0;
            int avail = Math.Min(16, src.Length - start);
            for (int b = 0; b < avail; b++) word |= (UInt128)src[start + b] << (8 * b);
            dst[i] = (ulong)(word >> shift) & mask;
        }
    }

    /// <summary>Packs values (up to 64 bits each) into <paramref name="dst"/>; returns bytes written.</summary>
    public static int Pack<T>(ReadOnlySpan<T> values, int bitWidth, Span<byte> dst) where T : unmanaged, IBinaryInteger<T>
    {
        int bytes = (int)ByteCount(values.Length, bitWidth);
        dst[..bytes].Clear();
        if (bitWidth == 0) return 0;
        if (bitWidth <= 32) return PackNarrow(values, bitWidth, dst, bytes);
        UInt128 acc = 0;
        int accBits = 0;
        int pos = 0;
        ulong mask = bitWidth == 64 ? ulong.MaxValue : (1UL << bitWidth) - 1;
        foreach (var v in values)
        {
            acc |= (UInt128)(ulong.CreateTruncating(v) & mask) << accBits;
            accBits += bitWidth;
            while (accBits >= 8)
            {
                dst[pos++] = (byte)acc;
                acc >>= 8;
                accBits -= 8;
            }
        }
        if (accBits > 0) dst[pos++] = (byte)acc;
        return bytes;
    }

    // Widths up to 32 fit a 64-bit accumulator (at most 7 pending bits plus 32 new ones).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int PackNarrow<T>(ReadOnlySpan<T> values, int bitWidth, Span<byte> dst, int bytes) where T : unmanaged, IBinaryInteger<T>
    {
        ulong acc = 0;
        int accBits = 0;
        int pos = 0;
        ulong mask = (1UL << bitWidth) - 1;
        foreach (var v in values)
        {
            acc |= (ulong.CreateTruncating(v) & mask) << accBits;
            accBits += bitWidth;
            while (accBits >= 8)
            {
                dst[pos++] = (byte)acc;
                acc >>= 8;
                accBits -= 8;
            }
        }
        if (accBits > 0) dst[pos] = (byte)acc;
        return bytes;
    }

    /// <summary>Bits needed to represent <paramref name="maxValue"/> (0 for 0).</summary>
    public static int BitWidth(ulong maxValue) => maxValue == 0 ? 0 : 64 - BitOperations.LeadingZeroCount(maxValue);
}
