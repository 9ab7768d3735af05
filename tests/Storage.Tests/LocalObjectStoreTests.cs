using System.Text;
using OfflineSafety.Errors;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Storage.Tests;

public sealed class LocalObjectStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly LocalObjectStore _store;

    public LocalObjectStoreTests() => _store = new LocalObjectStore(_dir.Path);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Write_then_read_round_trips_and_replaces()
    {
        await _store.WriteAsync("a/b/c.bin", "one"u8.ToArray());
        await _store.WriteAsync("a/b/c.bin", "two!"u8.ToArray());
        Assert.Equal("two!", Encoding.UTF8.GetString(await _store.ReadAsync("a/b/c.bin")));
        var info = await _store.GetInfoAsync("a/b/c.bin");
        Assert.Equal(4, info!.Length);
        Assert.Null(await _store.TryReadAsync("a/b/missing"));
        var ex = await Assert.ThrowsAsync<ObjectNotFoundException>(() => _store.ReadAsync("a/missing"));
        Assert.Contains("a/missing", ex.Message);
    }

    [Fact]
    public async Task Create_if_absent_never_replaces_an_existing_object()
    {
        Assert.True(await _store.CreateIfAbsentAsync("log/0.json", "first"u8.ToArray()));
        Assert.False(await _store.CreateIfAbsentAsync("log/0.json", "second"u8.ToArray()));
        Assert.Equal("first", Encoding.UTF8.GetString(await _store.ReadAsync("log/0.json")));
    }

    [Fact]
    public async Task Racing_create_if_absent_has_exactly_one_winner_and_leaves_no_staging_files()
    {
        // Several rounds: one lucky interleaving must not be what makes this pass (a stat-then-rename
        // publish let three of sixteen writers "win" on a CI machine).
        const int writers = 16;
        for (int round = 0; round < 10; round++)
        {
            string key = $"race/key-{round}";
            var results = RaceOnThreads(writers, i => _store.CreateIfAbsentAsync(key, Encoding.UTF8.GetBytes($"writer {i}")).GetAwaiter().GetResult());
            Assert.Equal(1, results.Count(r => r));
            int winner = Array.IndexOf(results, true);
            Assert.Equal($"writer {winner}", Encoding.UTF8.GetString(await _store.ReadAsync(key)));
        }
        Assert.Empty(Directory.EnumerateFiles(System.IO.Path.Combine(_dir.Path, ".staging")));
    }

    [Fact]
    public void The_lock_file_publish_for_filesystems_without_hard_links_also_has_one_winner()
    {
        string lockFile = System.IO.Path.Combine(_dir.Path, "publish.lock");
        for (int round = 0; round < 10; round++)
        {
            string target = System.IO.Path.Combine(_dir.Path, $"target-{round}");
            var staged = Enumerable.Range(0, 16).Select(i =>
            {
                string path = System.IO.Path.Combine(_dir.Path, $"staged-{round}-{i}");
                File.WriteAllText(path, $"writer {i}");
                return path;
            }).ToArray();
            var results = RaceOnThreads(staged.Length, i => NoReplacePublish.TryMoveUnderLock(staged[i], target, lockFile));
            Assert.Equal(1, results.Count(r => r));
            Assert.Equal($"writer {Array.IndexOf(results, true)}", File.ReadAllText(target));
        }
    }

    // Dedicated threads released together by a barrier, so the publishes really overlap.
    private static bool[] RaceOnThreads(int count, Func<int, bool> publish)
    {
        var results = new bool[count];
        using var start = new Barrier(count);
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = publish(i);
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return results;
    }

    [Fact]
    public async Task List_returns_keys_under_a_prefix_in_ordinal_order_without_staging()
    {
        foreach (var key in new[] { "t/_delta_log/00000000000000000002.json", "t/_delta_log/00000000000000000010.json", "t/_delta_log/00000000000000000001.json", "t/x/part-1", "u/other" })
            await _store.WriteAsync(key, "x"u8.ToArray());
        var keys = new List<string>();
        await foreach (var info in _store.ListAsync("t/_delta_log/0000")) keys.Add(info.Key);
        Assert.Equal(["t/_delta_log/00000000000000000001.json", "t/_delta_log/00000000000000000002.json", "t/_delta_log/00000000000000000010.json"], keys);

        var all = new List<string>();
        await foreach (var info in _store.ListAsync("")) all.Add(info.Key);
        Assert.Equal(5, all.Count);
        Assert.DoesNotContain(all, k => k.StartsWith(".staging", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Common_prefixes_are_the_next_level_only_and_skip_empty_folders()
    {
        await _store.WriteAsync("datasets/b/_delta_log/0.json", "x"u8.ToArray());
        await _store.WriteAsync("datasets/a/x/y", "x"u8.ToArray());
        await _store.WriteAsync("datasets/c/gone", "x"u8.ToArray());
        Assert.True(await _store.DeleteAsync("datasets/c/gone"));
        Assert.False(await _store.DeleteAsync("datasets/c/gone"));
        var prefixes = new List<string>();
        await foreach (var p in _store.ListCommonPrefixesAsync("datasets/")) prefixes.Add(p);
        Assert.Equal(["datasets/a/", "datasets/b/"], prefixes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/abs")]
    [InlineData("a/../b")]
    [InlineData("a//b")]
    [InlineData("a\\b")]
    [InlineData(".staging/x")]
    public async Task Invalid_keys_are_rejected(string key)
    {
        await Assert.ThrowsAsync<BadInputException>(() => _store.WriteAsync(key, "x"u8.ToArray()));
    }

    [Fact]
    public void Azure_locations_are_not_supported_yet()
    {
        var ex = Assert.Throws<BadInputException>(() => StoreLocation.Open("azure://account/container"));
        Assert.Contains("azure://account/container", ex.Message);
        Assert.IsType<LocalObjectStore>(StoreLocation.Open(_dir.Path));
    }

    [Fact]
    public async Task Links_to_folders_outside_the_store_are_neither_listed_nor_followed()
    {
        // Step 8, finding 1: a symlinked variant folder let vacuum delete the files it pointed at.
        using var outside = new TempDirectory();
        string victim = Path.Combine(outside.Path, "part-0.parquet");
        File.WriteAllText(victim, "not the store's");
        await _store.WriteAsync("datasets/t/variant=a/part-1.parquet", "ours"u8.ToArray());
        Directory.CreateSymbolicLink(Path.Combine(_dir.Path, "datasets", "t", "variant=b"), outside.Path);
        File.CreateSymbolicLink(Path.Combine(_dir.Path, "datasets", "t", "variant=a", "part-2.parquet"), victim);

        var listed = new List<string>();
        await foreach (var o in _store.ListAsync("datasets/t/")) listed.Add(o.Key);
        Assert.Equal(["datasets/t/variant=a/part-1.parquet"], listed);
        var prefixes = new List<string>();
        await foreach (var p in _store.ListCommonPrefixesAsync("datasets/t/")) prefixes.Add(p);
        Assert.Equal(["datasets/t/variant=a/"], prefixes);

        var viaFolder = await Assert.ThrowsAsync<BadInputException>(() => _store.DeleteAsync("datasets/t/variant=b/part-0.parquet"));
        Assert.Contains("symbolic link 'datasets/t/variant=b'", viaFolder.Message);
        await Assert.ThrowsAsync<BadInputException>(() => _store.DeleteAsync("datasets/t/variant=a/part-2.parquet"));
        await Assert.ThrowsAsync<BadInputException>(() => _store.TryReadAsync("datasets/t/variant=b/part-0.parquet"));
        await Assert.ThrowsAsync<BadInputException>(() => _store.WriteAsync("datasets/t/variant=b/new", "x"u8.ToArray()));
        Assert.Equal("not the store's", File.ReadAllText(victim));
        Assert.Single(Directory.GetFiles(outside.Path));
    }
}
