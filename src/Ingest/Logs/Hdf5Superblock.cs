using System.Buffers.Binary;

namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// Checks the start of an HDF5 file before the library reads it: PureHDF reports a truncated file
/// only when a read runs past the end ("The file is too small"), possibly long after it started,
/// while the superblock states the file's length up front. Only a superblock at offset 0 is
/// looked for (h5py and the HDF5 library write it there unless a user block is asked for).
/// </summary>
internal static class Hdf5Superblock
{
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n'];

    /// <summary>Null when the file looks whole, else the reason it cannot be read.</summary>
    public static string? Problem(Stream stream)
    {
        long at = stream.Position;
        Span<byte> head = stackalloc byte[64];
        stream.Position = 0;
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = at;
        if (n < Signature.Length || !head[..Signature.Length].SequenceEqual(Signature))
            return "not an HDF5 file (no HDF5 signature at offset 0)";
        if (n < 16) return $"truncated HDF5 file: {stream.Length} bytes, too short for a superblock";
        int version = head[8];
        // Where the base and end-of-file addresses sit (HDF5 file format spec, "Superblock").
        int sizeOfOffsets, baseAt;
        switch (version)
        {
            case 0: sizeOfOffsets = head[13]; baseAt = 24; break;
            case 1: sizeOfOffsets = head[13]; baseAt = 28; break;
            case 2 or 3: sizeOfOffsets = head[9]; baseAt = 12; break;
            default: return $"unsupported HDF5 superblock version {version}";
        }
        if (sizeOfOffsets is not (2 or 4 or 8)) return $"corrupt HDF5 superblock: size of offsets {sizeOfOffsets}";
        int eofAt = baseAt + 2 * sizeOfOffsets;
        if (n < eofAt + sizeOfOffsets) return $"truncated HDF5 file: {stream.Length} bytes, too short for a superblock";
        ulong baseAddress = Read(head[baseAt..], sizeOfOffsets), eof = Read(head[eofAt..], sizeOfOffsets);
        ulong length = (ulong)stream.Length;
        if (baseAddress > length || eof > length - baseAddress)
            return $"truncated HDF5 file: its superblock records {(baseAddress > length ? baseAddress : baseAddress + eof)} bytes, the file has {length}";
        return null;
    }

    private static ulong Read(ReadOnlySpan<byte> bytes, int size) => size switch
    {
        2 => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
        4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
        _ => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
    };
}
