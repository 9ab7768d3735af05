using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using OfflineSafety.Errors;

namespace OfflineSafety.Storage;

/// <summary>
/// An <see cref="IObjectStore"/> over a local directory: key "a/b/c" is file root/a/b/c.
/// Content is always written to a staging file first and then published in one filesystem step,
/// so a reader (or a process killed mid-write) never leaves a partial object under a real key.
/// </summary>
public sealed class LocalObjectStore : IObjectStore, IStagingArea
{
    // Staging files live under the root (same filesystem, so publishing is a link or rename,
    // never a copy) but outside the key space: keys may not start with this segment.
    private const string StagingSegment = ".staging";

    // The lock file of the no-replace publish fallback lives in the staging folder; it is not a leftover.
    private const string PublishLockName = "publish.lock";

    // Symbolic links (to files or folders) are never listed nor descended into: whatever they point
    // at lies outside the store, and a maintenance pass (vacuum) must never delete it.
    private static readonly EnumerationOptions WithinRoot = new()
    {
        RecurseSubdirectories = true,
        AttributesToSkip = FileAttributes.ReparsePoint,
        IgnoreInaccessible = false,
    };

    private readonly string _root;
    private readonly bool _flushToDisk;

    /// <param name="root">The directory holding the objects (created when missing).</param>
    /// <param name="flushToDisk">
    /// Flush each object to disk before publishing it, so a machine crash cannot leave an empty
    /// object under a real key. Only tests that build thousands of throw-away commits turn it off.
    /// </param>
    public LocalObjectStore(string root, bool flushToDisk = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _flushToDisk = flushToDisk;
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    public string Location => _root;

    public async Task<byte[]?> TryReadAsync(string key, CancellationToken ct = default)
    {
        string path = PathOf(key);
        try
        {
            return await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public async Task<int> ReadRangeAsync(string key, long offset, Memory<byte> buffer, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        string path = PathOf(key);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.Asynchronous | FileOptions.RandomAccess);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ObjectNotFoundException(_root, key);
        }
        using (handle)
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int n = await RandomAccess.ReadAsync(handle, buffer[total..], offset + total, ct).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
            }
            return total;
        }
    }

    public Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken ct = default)
    {
        var file = new FileInfo(PathOf(key));
        return Task.FromResult(file.Exists ? new ObjectInfo(key, file.Length, file.LastWriteTimeUtc) : null);
    }

    public async Task WriteAsync(string key, Stream content, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        string path = PathOf(key);
        string staged = await StageAsync(content, ct).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Move(staged, path, overwrite: true); // rename(2): atomic replace
        }
        finally
        {
            File.Delete(staged);
        }
    }

    public async Task<bool> CreateIfAbsentAsync(string key, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        string path = PathOf(key);
        if (File.Exists(path)) return false; // cheap early exit; the publish below is what decides
        string staged;
        await using (var stream = new ReadOnlyMemoryStream(content))
            staged = await StageAsync(stream, ct).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return NoReplacePublish.TryPublish(staged, path, Path.Combine(_root, StagingSegment, PublishLockName));
        }
        finally
        {
            File.Delete(staged);
        }
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        int slash = prefix.LastIndexOf('/');
        string folderKey = slash < 0 ? "" : prefix[..slash];
        string folder = folderKey.Length == 0 ? _root : Path.Combine(_root, folderKey);
        if (!Directory.Exists(folder)) yield break;

        var found = new List<ObjectInfo>();
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", WithinRoot))
        {
            ct.ThrowIfCancellationRequested();
            string key = KeyOf(file.FullName);
            if (key.StartsWith(prefix, StringComparison.Ordinal) && !IsStaging(key) && Describe(file, key) is { } info)
                found.Add(info);
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var info in found) yield return info;
        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>The object a listed file stands for, or null when it is not a plain file or was deleted
    /// between the directory read and the stat (a listing is a snapshot of keys, as in Blob storage: a
    /// concurrent delete, e.g. a lease holder removing stale leases, must not fail someone else's list).</summary>
    private static ObjectInfo? Describe(FileInfo file, string key)
    {
        try
        {
            if (FileKind.SpecialKind(file.FullName) is not null) return null;
            return new ObjectInfo(key, file.Length, file.LastWriteTimeUtc);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public async IAsyncEnumerable<string> ListCommonPrefixesAsync(string prefix, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        int slash = prefix.LastIndexOf('/');
        string folderKey = slash < 0 ? "" : prefix[..slash];
        string folder = folderKey.Length == 0 ? _root : Path.Combine(_root, folderKey);
        if (!Directory.Exists(folder)) yield break;

        var found = new List<string>();
        foreach (var dir in new DirectoryInfo(folder).EnumerateDirectories("*", new EnumerationOptions { AttributesToSkip = FileAttributes.ReparsePoint }))
        {
            ct.ThrowIfCancellationRequested();
            string key = KeyOf(dir.FullName) + "/";
            // A directory only counts as a prefix when some object lives below it; empty folders
            // left behind by deletes have no counterpart in a blob store.
            if (key.StartsWith(prefix, StringComparison.Ordinal) && !IsStaging(key)
                && dir.EnumerateFiles("*", WithinRoot).Any(f => FileKind.SpecialKind(f.FullName) is null))
                found.Add(key);
        }
        found.Sort(string.CompareOrdinal);
        foreach (var p in found) yield return p;
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task<bool> DeleteAsync(string key, CancellationToken ct = default)
    {
        string path = PathOf(key);
        if (!File.Exists(path)) return Task.FromResult(false);
        File.Delete(path);
        return Task.FromResult(true);
    }

    public async IAsyncEnumerable<StagingLeftover> ListStagingLeftoversAsync(DateTimeOffset olderThan, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var folder = new DirectoryInfo(Path.Combine(_root, StagingSegment));
        if (!folder.Exists) yield break;
        var found = new List<StagingLeftover>();
        // Staged files are flat, named by a fresh GUID; links are skipped like everywhere else.
        foreach (var file in folder.EnumerateFiles("*", new EnumerationOptions { AttributesToSkip = FileAttributes.ReparsePoint }))
        {
            ct.ThrowIfCancellationRequested();
            if (file.Name == PublishLockName || file.LastWriteTimeUtc >= olderThan) continue;
            found.Add(new StagingLeftover(file.Name, file.Length, file.LastWriteTimeUtc));
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var leftover in found) yield return leftover;
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task<bool> DeleteStagingLeftoverAsync(string name, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/') || name.Contains(Path.DirectorySeparatorChar) || name is "." or ".." || name == PublishLockName)
            throw new ArgumentException($"'{name}' is not a staging leftover of store '{_root}'", nameof(name));
        var file = new FileInfo(Path.Combine(_root, StagingSegment, name));
        if (!file.Exists || file.LinkTarget is not null) return Task.FromResult(false);
        file.Delete();
        return Task.FromResult(true);
    }

    private string PathOf(string key)
    {
        ObjectKey.Validate(key);
        if (IsStaging(key)) throw new BadInputException($"object key '{key}' uses the reserved '{StagingSegment}' segment");
        string path = Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));
        RefuseLinks(key);
        // Opening a FIFO for reading blocks until a writer appears, and a device is nobody's data.
        if (FileKind.SpecialKind(path) is { } kind)
            throw new BadInputException($"store '{_root}': '{key}' is a {kind}, not a regular file; the store never opens one");
        return path;
    }

    // A key resolves inside the root only if no folder on its way, nor the object itself, is a link.
    // The walk stops at the first component that does not exist: nothing below it can be a link.
    private void RefuseLinks(string key)
    {
        string current = _root;
        foreach (var segment in key.Split('/'))
        {
            current = Path.Combine(current, segment);
            var entry = new FileInfo(current);
            if (entry.LinkTarget is { } target)
                throw new BadInputException($"store '{_root}': '{key}' passes through the symbolic link '{KeyOf(current)}' (-> {target}); the store never follows links out of its root");
            if (!entry.Exists && !Directory.Exists(current)) return;
        }
    }

    private string KeyOf(string fullPath) =>
        Path.GetRelativePath(_root, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    private static bool IsStaging(string key) =>
        key.StartsWith(StagingSegment + "/", StringComparison.Ordinal) || key == StagingSegment;

    private async Task<string> StageAsync(Stream content, CancellationToken ct)
    {
        string folder = Path.Combine(_root, StagingSegment);
        Directory.CreateDirectory(folder);
        string staged = Path.Combine(folder, Guid.NewGuid().ToString("N"));
        try
        {
            await using var stream = new FileStream(staged, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await content.CopyToAsync(stream, 1 << 16, ct).ConfigureAwait(false);
            // Flushed to disk before publishing: a crash after the rename must not leave an empty file.
            if (_flushToDisk) stream.Flush(flushToDisk: true);
        }
        catch
        {
            File.Delete(staged);   // a failed or cancelled source; a killed process leaves it to the sweep
            throw;
        }
        return staged;
    }
}
