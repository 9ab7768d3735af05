using System.Runtime.InteropServices;

namespace OfflineSafety.Storage;

/// <summary>What a directory entry is, read without opening it (lstat).</summary>
/// <remarks>
/// .NET's file APIs report FIFOs, sockets and devices as ordinary files, and opening a FIFO for
/// reading blocks until a writer appears. The runtime's own native shim (libSystem.Native, shipped
/// with every .NET on Unix) exposes lstat with a layout of its own that begins with two int32
/// fields, flags then mode, the same on every architecture; only the file-type bits are used.
/// </remarks>
internal static partial class FileKind
{
    private const int TypeMask = 0xF000;
    private const int Regular = 0x8000;
    private const int Directory = 0x4000;
    private const int SymbolicLink = 0xA000;

    /// <summary>
    /// Null for a regular file, a folder, a symbolic link or a missing path; otherwise the kind of
    /// special file ("FIFO", "socket", "character device", "block device"), which a store never opens.
    /// </summary>
    public static string? SpecialKind(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        int mode;
        unsafe
        {
            byte* status = stackalloc byte[512];   // larger than the shim's FileStatus on any version
            if (LStat(path, status) != 0) return null;
            mode = ((int*)status)[1];
        }
        return (mode & TypeMask) switch
        {
            Regular or Directory or SymbolicLink => null,
            0x1000 => "FIFO",
            0xC000 => "socket",
            0x2000 => "character device",
            0x6000 => "block device",
            _ => "special file",
        };
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_LStat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int LStat(string path, byte* output);
}
