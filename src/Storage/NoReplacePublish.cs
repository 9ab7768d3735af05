using System.Runtime.InteropServices;

namespace OfflineSafety.Storage;

/// <summary>
/// Publishes a staged file under its final name only if that name is still free, atomically:
/// of any number of racing publishers (threads or processes) exactly one wins.
/// </summary>
/// <remarks>
/// <c>File.Move(overwrite: false)</c> is not enough on Unix: .NET checks that the target is absent
/// and then calls rename(2), which replaces a target created in between (strace shows the stat +
/// rename pair), so two committers could both "win" one Delta log version. link(2) fails with
/// EEXIST when the name is taken, in one kernel step. Filesystems without hard links fall back to
/// a check-then-rename under an exclusive lock file that every publisher of the store takes.
/// </remarks>
internal static partial class NoReplacePublish
{
    private const int EEXIST = 17; // the same value on Linux and macOS

    /// <returns>True when <paramref name="staged"/> now lives at <paramref name="target"/>; false when the target already existed.</returns>
    public static bool TryPublish(string staged, string target, string lockFile)
    {
        if (OperatingSystem.IsWindows())
            return TryMoveUnderLock(staged, target, lockFile: null); // MoveFileEx without REPLACE_EXISTING is atomic

        int result;
        try
        {
            result = Link(staged, target);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // A C library the runtime cannot bind by this name (an unusual libc): same fallback as
            // a filesystem without hard links.
            return TryMoveUnderLock(staged, target, lockFile);
        }
        if (result == 0) return true; // the caller deletes the staged name
        if (Marshal.GetLastPInvokeError() == EEXIST) return false;
        return TryMoveUnderLock(staged, target, lockFile);
    }

    /// <summary>The path taken where hard links are unavailable; tests race it directly.</summary>
    internal static bool TryMoveUnderLock(string staged, string target, string? lockFile)
    {
        using var held = lockFile is null ? null : AcquireLock(lockFile);
        if (File.Exists(target)) return false;
        try
        {
            File.Move(staged, target, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(target))
        {
            return false;
        }
    }

    // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Unix; the kernel drops it when a holder dies,
    // so a killed committer cannot wedge the store.
    private static FileStream AcquireLock(string lockFile)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 2000)
            {
                Thread.Sleep(1 + attempt % 5);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existingPath, string newPath);
}
