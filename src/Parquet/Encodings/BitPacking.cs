using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        if ((uint)bitWidth > 32) throw new ArgumentOutOfRangeException(nameof(bitWidth), bitWidth, "at most 32 bits");
        if (bitWidth == 0)
        {
            dst.Clear();
            return;
        }
        // The loops below read without bounds checks, so the length contract is checked once here.
        if (src.Length < ByteCount(dst.Length, bitWidth))
            throw new ArgumentException($"{src.Length} bytes cannot hold {dst.Length} values of {bitWidth} bits", nameof(src));
        if (bitWidth == 1)
        {
            UnpackBits(src, dst);
            return;
        }
        ref byte s = ref MemoryMarshal.GetReference(src);
        ref T d = ref MemoryMarshal.GetReference(dst);
        ulong mask = (1UL << bitWidth) - 1;
        int n = dst.Length;
        int i = 0;
        if (bitWidth <= 8)
        {
            // A group of 8 values is bitWidth whole bytes, so one 8-byte load holds the group.
            int groups = src.Length < 8 ? 0 : Math.Min(n >> 3, (src.Length - 8) / bitWidth + 1);
            int w = bitWidth;
            for (int g = 0; g < groups; g++, i += 8)
            {
                ulong word = ReadWord(ref s, g * w);
                ref T o = ref Unsafe.Add(ref d, i);
                o = T.CreateTruncating(word & mask);
                Unsafe.Add(ref o, 1) = T.CreateTruncating((word >> w) & mask);
                Unsafe.Add(ref o, 2) = T.CreateTruncating((word >> (2 * w)) & mask);
                Unsafe.Add(ref o, 3) = T.CreateTruncating((word >> (3 * w)) & mask);
                Unsafe.Add(ref o, 4) = T.CreateTruncating((word >> (4 * w)) & mask);
                Unsafe.Add(ref o, 5) = T.CreateTruncating((word >> (5 * w)) & mask);
                Unsafe.Add(ref o, 6) = T.CreateTruncating((word >> (6 * w)) & mask);
                Unsafe.Add(ref o, 7) = T.CreateTruncating((word >> (7 * w)) & mask);
            }
        }
        long bit = (long)i * bitWidth;
        if (src.Length >= 8)
        {
            // Every value whose 8-byte window lies inside src (a value of up to 32 bits plus a 7-bit shift fits).
            long safeBits = ((long)src.Length - 8) * 8;
            int fast = (int)Math.Min(n, safeBits / bitWidth + 1);
            for (; i < fast; i++, bit += bitWidth)
                Unsafe.Add(ref d, i) = T.CreateTruncating((ReadWord(ref s, (int)(bit >> 3)) >> (int)(bit & 7)) & mask);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadWord(ref byte s, int offset)
    {
        ulong word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, offset));
        return BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word);
    }

    /// <summary>The 8 bits of <paramref name="b"/> as 8 bytes of 0 or 1, bit j in byte j (little-endian).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong SpreadBits(ulong b)
    {
        b = (b | (b << 28)) & 0x0000000F0000000FUL;
        b = (b | (b << 14)) & 0x0003000300030003UL;
        b = (b | (b << 7)) & 0x0101010101010101UL;
        return BitConverter.IsLittleEndian ? b : BinaryPrimitives.ReverseEndianness(b);
    }

    /// <summary>
    /// 1-bit values (booleans, levels of flat columns, two-entry dictionaries): each source byte
    /// becomes 8 output values at once instead of 8 shifts and masks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UnpackBits<T>(ReadOnlySpan<byte> src, Span<T> dst) where T : unmanaged, IBinaryInteger<T>
    {
        int n = dst.Length;
        int full = n >> 3;
        ref byte s = ref MemoryMarshal.GetReference(src);
        ref T d = ref MemoryMarshal.GetReference(dst);
        int size = Unsafe.SizeOf<T>();
        if (size == 1)
        {
            ref byte o = ref Unsafe.As<T, byte>(ref d);
            for (int b = 0; b < full; b++)
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, b << 3), SpreadBits(Unsafe.Add(ref s, b)));
        }
        else if (size == 2 && BitConverter.IsLittleEndian)
        {
            ref ushort o = ref Unsafe.As<T, ushort>(ref d);
            for (int b = 0; b < full; b++)
                Vector128.WidenLower(Vector128.CreateScalarUnsafe(SpreadBits(Unsafe.Add(ref s, b))).AsByte()).StoreUnsafe(ref o, (nuint)(b << 3));
        }
        else if (size == 4 && BitConverter.IsLittleEndian)
        {
            ref uint o = ref Unsafe.As<T, uint>(ref d);
            for (int b = 0; b < full; b++)
            {
                var halves = Vector128.WidenLower(Vector128.CreateScalarUnsafe(SpreadBits(Unsafe.Add(ref s, b))).AsByte());
                Vector128.WidenLower(halves).StoreUnsafe(ref o, (nuint)(b << 3));
                Vector128.WidenUpper(halves).StoreUnsafe(ref o, (nuint)(b << 3) + 4);
            }
        }
        else full = 0;
        for (int i = full << 3; i < n; i++) dst[i] = T.CreateTruncating((src[i >> 3] >> (i & 7)) & 1);
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
