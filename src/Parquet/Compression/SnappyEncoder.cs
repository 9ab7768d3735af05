using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace OfflineSafety.Parquet.Compression;

/// <summary>
/// Snappy raw-block compression straight into the page buffer. IronSnappy's encoder allocates a
/// fresh array per call, which for ~1 MiB pages means one large-object-heap allocation per page;
/// this one reuses a pooled hash table and writes into the caller's span. Greedy matching over
/// 64 KiB blocks with a 16K-entry hash table, skipping faster through incompressible input.
/// </summary>
internal static class SnappyEncoder
{
    private const int BlockSize = 1 << 16;
    private const int HashBits = 14;

    public static int MaxCompressedLength(int length) => 32 + length + length / 6;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Encode(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        int pos = WriteVarint((uint)src.Length, dst);
        var table = ArrayPool<int>.Shared.Rent(1 << HashBits);
        try
        {
            for (int start = 0; start < src.Length; start += BlockSize)
            {
                var block = src.Slice(start, Math.Min(BlockSize, src.Length - start));
                Array.Clear(table, 0, 1 << HashBits);
                pos = EncodeBlock(block, dst, pos, table);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(table);
        }
        return pos;
    }

    private static int EncodeBlock(ReadOnlySpan<byte> block, Span<byte> dst, int pos, int[] table)
    {
        int literalStart = 0;
        int ip = 0;
        int limit = block.Length - 4;
        while (ip <= limit)
        {
            uint cur = BinaryPrimitives.ReadUInt32LittleEndian(block[ip..]);
            int h = (int)((cur * 0x1E35A7BDu) >> (32 - HashBits));
            int candidate = table[h] - 1;
            table[h] = ip + 1;
            if (candidate < 0 || BinaryPrimitives.ReadUInt32LittleEndian(block[candidate..]) != cur)
            {
                // Step further the longer no match has been found: incompressible data passes quickly.
                ip += 1 + ((ip - literalStart) >> 5);
                continue;
            }
            pos = EmitLiteral(block[literalStart..ip], dst, pos);
            int length = 4 + block[(ip + 4)..].CommonPrefixLength(block[(candidate + 4)..]);
            pos = EmitCopy(ip - candidate, length, dst, pos);
            ip += length;
            literalStart = ip;
            if (ip <= limit)
            {
                // Remember the position just before the new cursor so runs chain into further matches.
                uint prev = BinaryPrimitives.ReadUInt32LittleEndian(block[(ip - 1)..]);
                table[(int)((prev * 0x1E35A7BDu) >> (32 - HashBits))] = ip;
            }
        }
        return EmitLiteral(block[literalStart..], dst, pos);
    }

    private static int EmitLiteral(ReadOnlySpan<byte> literal, Span<byte> dst, int pos)
    {
        if (literal.IsEmpty) return pos;
        int n = literal.Length - 1;
        if (n < 60) dst[pos++] = (byte)(n << 2);
        else
        {
            int bytes = n < 1 << 8 ? 1 : n < 1 << 16 ? 2 : n < 1 << 24 ? 3 : 4;
            dst[pos++] = (byte)((59 + bytes) << 2);
            for (int b = 0; b < bytes; b++) dst[pos++] = (byte)(n >> (8 * b));
        }
        literal.CopyTo(dst[pos..]);
        return pos + literal.Length;
    }

    private static int EmitCopy(int offset, int length, Span<byte> dst, int pos)
    {
        // Long matches go out as 64-byte copies, keeping at least 4 bytes for the last one.
        while (length >= 68)
        {
            pos = Copy2(offset, 64, dst, pos);
            length -= 64;
        }
        if (length > 64)
        {
            pos = Copy2(offset, 60, dst, pos);
            length -= 60;
        }
        if (length <= 11 && offset < 2048)
        {
            dst[pos++] = (byte)(1 | ((length - 4) << 2) | ((offset >> 8) << 5));
            dst[pos++] = (byte)offset;
            return pos;
        }
        return Copy2(offset, length, dst, pos);
    }

    private static int Copy2(int offset, int length, Span<byte> dst, int pos)
    {
        dst[pos] = (byte)(2 | ((length - 1) << 2));
        BinaryPrimitives.WriteUInt16LittleEndian(dst[(pos + 1)..], (ushort)offset);
        return pos + 3;
    }

    private static int WriteVarint(uint value, Span<byte> dst)
    {
        int i = 0;
        while (value >= 0x80)
        {
            dst[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        dst[i++] = (byte)value;
        return i;
    }
}
