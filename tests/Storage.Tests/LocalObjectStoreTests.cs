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
    public async Task Racing_create_if_absent_has_exactly_one_winner_and_leaves_no_staging_files()
    {
        // Several rounds: one lucky interleaving must not be what makes this pass (a stat-then-rename
        // publish let three of sixteen writers "win" on a CI machine).
        const int writers = 16;
        for (int round = 0; round < 10; round++)
        {
            string key = $"race/key-{round}";
            var results = ObjectStoreContract.RaceOnThreads(writers, i => _store.CreateIfAbsentAsync(key, Encoding.UTF8.GetBytes($"writer {i}")).GetAwaiter().GetResult());
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
            var results = ObjectStoreContract.RaceOnThreads(staged.Length, i => NoReplacePublish.TryMoveUnderLock(staged[i], target, lockFile));
            Assert.Equal(1, results.Count(r => r));
            Assert.Equal($"writer {Array.IndexOf(results, true)}", File.ReadAllText(target));
        }
    }

    [Fact]
    public async Task A_listing_skips_objects_deleted_while_it_runs()
    {
        // A lease holder deletes stale lease objects while another scheduler lists them; before, the
        // stat of a just-deleted file failed the listing with FileNotFoundException (seen in CI).
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var churn = Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                await _store.WriteAsync($"lease/{i:D6}.json", Encoding.UTF8.GetBytes("{}"));
                if (i > 0) await _store.DeleteAsync($"lease/{i - 1:D6}.json");
            }
        });
        int listings = 0;
        while (!stop.IsCancellationRequested)
        {
            await foreach (var info in _store.ListAsync("lease/"))
                Assert.StartsWith("lease/", info.Key);
            listings++;
        }
        await churn;
        Assert.True(listings > 10, $"only {listings} listings ran");
    }

    [Fact]
    public async Task Staging_files_are_outside_the_key_space()
    {
        await _store.WriteAsync("t/x", "x"u8.ToArray());
        var all = new List<string>();
        await foreach (var info in _store.ListAsync("")) all.Add(info.Key);
        Assert.Equal(["t/x"], all);
        await Assert.ThrowsAsync<BadInputException>(() => _store.WriteAsync(".staging/x", "x"u8.ToArray()));
    }

    [Fact]
    public async Task Fifos_inside_the_store_are_neither_listed_nor_opened()
    {
        // Step 8, finding 1: opening a FIFO for reading blocks until a writer appears; a store
        // that did so would hang `datasets check` forever. Each call must return at once.
        await _store.WriteAsync("datasets/t/variant=a/part-1.parquet", "ours"u8.ToArray());
        string fifo = Path.Combine(_dir.Path, "datasets", "t", "variant=a", "part-2.parquet");
        var made = ProcessRunner.Run("mkfifo", [fifo], TimeSpan.FromSeconds(10));
        Assert.True(made.ExitCode == 0, made.Output);
        Directory.CreateDirectory(Path.Combine(_dir.Path, "datasets", "only-fifo"));
        Assert.Equal(0, ProcessRunner.Run("mkfifo", [Path.Combine(_dir.Path, "datasets", "only-fifo", "f")], TimeSpan.FromSeconds(10)).ExitCode);

        var quickly = TimeSpan.FromSeconds(10);
        var listed = await _store.ListAsync("datasets/").ToListAsync().AsTask().WaitAsync(quickly);
        Assert.Equal(["datasets/t/variant=a/part-1.parquet"], listed.Select(o => o.Key));
        var prefixes = await _store.ListCommonPrefixesAsync("datasets/").ToListAsync().AsTask().WaitAsync(quickly);
        Assert.Equal(["datasets/t/"], prefixes);
        const string key = "datasets/t/variant=a/part-2.parquet";
        var read = await Assert.ThrowsAsync<BadInputException>(() => _store.TryReadAsync(key).WaitAsync(quickly));
        Assert.Contains($"'{key}' is a FIFO", read.Message);
        await Assert.ThrowsAsync<BadInputException>(() => _store.ReadRangeAsync(key, 0, new byte[4]).WaitAsync(quickly));
        await Assert.ThrowsAsync<BadInputException>(() => _store.GetInfoAsync(key).WaitAsync(quickly));
        await Assert.ThrowsAsync<BadInputException>(() => _store.TryOpenReadAsync(key).WaitAsync(quickly));
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
