using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Storage.Tests;

/// <summary>Step 8: staged writes that never published are found and swept, and nothing else is.</summary>
public sealed class StagingAreaTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly LocalObjectStore _store;

    public StagingAreaTests() => _store = new LocalObjectStore(_dir.Path);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Old_staged_files_are_listed_and_deleted_young_ones_and_the_publish_lock_are_not()
    {
        await _store.WriteAsync("a/b.bin", "x"u8.ToArray());
        string staging = Path.Combine(_dir.Path, ".staging");
        string stale = Path.Combine(staging, "0123stale");
        string young = Path.Combine(staging, "4567young");
        string lockFile = Path.Combine(staging, "publish.lock");
        File.WriteAllText(stale, "half a write");
        File.WriteAllText(young, "a write in flight");
        File.WriteAllText(lockFile, "");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-3));
        File.SetLastWriteTimeUtc(lockFile, DateTime.UtcNow.AddHours(-3));

        var cutoff = DateTimeOffset.UtcNow.AddHours(-1);
        var leftovers = await _store.ListStagingLeftoversAsync(cutoff).ToListAsync();

        Assert.Equal(["0123stale"], leftovers.Select(l => l.Name));
        Assert.Equal(12, leftovers[0].Length);
        Assert.True(await _store.DeleteStagingLeftoverAsync("0123stale"));
        Assert.False(await _store.DeleteStagingLeftoverAsync("0123stale"));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(young));
        Assert.True(File.Exists(lockFile));
        Assert.Throws<ArgumentException>(() => { _ = _store.DeleteStagingLeftoverAsync("../a/b.bin"); });
        Assert.Throws<ArgumentException>(() => { _ = _store.DeleteStagingLeftoverAsync("publish.lock"); });
        Assert.Empty(await _store.ListStagingLeftoversAsync(cutoff).ToListAsync());
        Assert.True(await _store.GetInfoAsync("a/b.bin") is not null);
    }
}
