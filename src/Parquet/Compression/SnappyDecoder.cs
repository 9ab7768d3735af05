using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OfflineSafety.Parquet;

namespace OfflineSafety.Parquet.Compression;

/// <summary>
/// Snappy raw-block decoder writing straight into the page buffer. Written here (rather than
/// calling IronSnappy) so that it never allocates from the stream's own length header and
/// checks every literal and copy against both buffers.
/// </summary>
internal static class SnappyDecoder
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        int pos = 0;
        ulong declared = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (shift > 28 || pos >= src.Length) throw new ParquetFormatException("corrupt SNAPPY page: bad length header");
            byte b = src[pos++];
            declared |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) break;
        }
        if (declared != (ulong)dst.Length)
            throw new ParquetFormatException($"SNAPPY page decodes to {declared} bytes, header declares {dst.Length}");
        int outPos = 0;
        while (pos < src.Length)
        {
            byte tag = src[pos++];
            int kind = tag & 3;
            int length, offset;
            if (kind == 0)
            {
                length = tag >> 2;
                if (length >= 60)
                {
                    int extra = length - 59;
                    if (src.Length - pos < extra) throw Corrupt("literal length runs past the end");
                    uint l = 0;
                    for (int b = 0; b < extra; b++) l |= (uint)src[pos + b] << (8 * b);
                    pos += extra;
                    if (l >= int.MaxValue) throw Corrupt("literal too long");
                    length = (int)l;
                }
                length += 1;
                if (length > src.Length - pos || length > dst.Length - outPos) throw Corrupt("literal runs past the end");
                src.Slice(pos, length).CopyTo(dst[outPos..]);
                pos += length;
                outPos += length;
                continue;
            }
            if (kind == 1)
            {
                if (pos >= src.Length) throw Corrupt("copy runs past the end");
                length = 4 + ((tag >> 2) & 7);
                offset = ((tag >> 5) << 8) | src[pos++];
            }
            else if (kind == 2)
            {
                if (src.Length - pos < 2) throw Corrupt("copy runs past the end");
                length = 1 + (tag >> 2);
                offset = BinaryPrimitives.ReadUInt16LittleEndian(src[pos..]);
                pos += 2;
            }
            else
            {
                if (src.Length - pos < 4) throw Corrupt("copy runs past the end");
                length = 1 + (tag >> 2);
                uint o = BinaryPrimitives.ReadUInt32LittleEndian(src[pos..]);
                if (o > int.MaxValue) throw Corrupt("copy offset out of range");
                offset = (int)o;
                pos += 4;
            }
            if (offset == 0 || offset > outPos) throw Corrupt($"copy offset {offset} before the start of the output");
            if (length > dst.Length - outPos) throw Corrupt("copy runs past the declared size");
            int from = outPos - offset;
            if (offset >= length) dst.Slice(from, length).CopyTo(dst[outPos..]);
            else if (offset >= 8)
            {
                // Overlapping, but each 8-byte word read is already written when it is read.
                ref byte d = ref MemoryMarshal.GetReference(dst);
                int k = 0;
                for (; k + 8 <= length; k += 8)
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, outPos + k), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, from + k)));
                for (; k < length; k++) dst[outPos + k] = dst[from + k];
            }
            else
            {
                // A run: the output from `from` on repeats with period `offset`. Copy whole periods
                // from its start, each copy doubling what is available, so a long run of a short
                // pattern costs a few block copies rather than a byte loop.
                for (int done = 0; done < length;)
                {
                    int n = Math.Min(offset + done, length - done);
                    dst.Slice(from, n).CopyTo(dst[(outPos + done)..]);
                    done += n;
                }
            }
            outPos += length;
        }
        if (outPos != dst.Length) throw Corrupt($"decodes to {outPos} bytes, declared {dst.Length}");
    }

    private static ParquetFormatException Corrupt(string reason) => new($"corrupt SNAPPY page: {reason}");
}
