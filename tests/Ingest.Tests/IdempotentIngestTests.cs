using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Ingest.Tests;

/// <summary>Step 8: an input file's content is ingested once, and a failed --create ingest leaves no dataset.</summary>
public sealed class IdempotentIngestTests : IDisposable
{
    private const string Csv = "obs_0,action_0,reward,cost,next_obs_0\n0,0,0,0,1\n0,0,0,1,1\n";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string StoreRoot => Path.Combine(_dir.Path, "st");

    private string WriteFile(string name, string text = Csv)
    {
        string path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static IngestRequest Request(string dataset, params string[] files) => new(files, dataset, FieldMap.Parse(null), CreateWithEnv: "E");

    [Fact]
    public async Task Re_ingesting_the_same_content_adds_no_rows_commits_nothing_and_says_so()
    {
        var store = new DatasetStore(new LocalObjectStore(StoreRoot));
        var ingest = new DatasetIngest(store);
        string a = WriteFile("a.csv");
        var first = await ingest.RunAsync(Request("d", a));
        string copy = WriteFile("renamed.csv"); // same bytes under another name: still the same content

        var again = await ingest.RunAsync(Request("d", a, copy));

        Assert.False(again.Committed);
        Assert.Equal(first.Version.Version, again.Version.Version);
        Assert.Equal(0, again.Rows);
        Assert.Equal([a, copy], again.Skipped);
        Assert.StartsWith("a.csv: skipped, its content (sha256 ", again.Notes[0]);
        Assert.EndsWith("; --allow-duplicate ingests it again", again.Notes[0]);
        Assert.Equal("all input files are already in the dataset; nothing committed", again.Notes[^1]);
        Assert.Equal(2, (await store.ReadAsync(DatasetReference.Parse("d"))).Count);
        Assert.Equal(first.Version.Version, await store.Log("d").LatestVersionAsync());
    }

    [Fact]
    public async Task Only_new_files_are_read_and_the_hash_of_each_is_recorded_as_a_txn_and_in_commit_info()
    {
        var store = new DatasetStore(new LocalObjectStore(StoreRoot));
        var ingest = new DatasetIngest(store);
        string a = WriteFile("a.csv");
        await ingest.RunAsync(Request("d", a));
        string b = WriteFile("b.csv", Csv + "0,0,0,0,1\n");
        string twin = WriteFile("twin.csv", Csv + "0,0,0,0,1\n");

        var outcome = await ingest.RunAsync(Request("d", a, b, twin));

        Assert.True(outcome.Committed);
        Assert.Equal(3, outcome.Rows);
        Assert.Equal([a, twin], outcome.Skipped);
        Assert.Contains("twin.csv: skipped, same content (sha256 ", outcome.Notes[1]);
        var snapshot = await store.SnapshotAsync(DatasetReference.Parse("d"));
        Assert.Equal(2, snapshot.Transactions.Count);
        Assert.All(snapshot.Transactions.Values, t => Assert.StartsWith(DatasetIngest.FileHashAppIdPrefix, t.AppId));
        var history = await new DatasetInspection(store).HistoryAsync("d");
        Assert.Contains("\"file\":\"b.csv\"", history[^1].Parameters["fileHashes"]);
        Assert.Equal("[\"b.csv\"]", history[^1].Parameters["files"]);
    }

    [Fact]
    public async Task Allow_duplicate_appends_the_same_content_again_and_counts_it_in_the_txn_version()
    {
        var store = new DatasetStore(new LocalObjectStore(StoreRoot));
        var ingest = new DatasetIngest(store);
        string a = WriteFile("a.csv");
        await ingest.RunAsync(Request("d", a));

        var again = await ingest.RunAsync(Request("d", a) with { AllowDuplicate = true });

        Assert.True(again.Committed);
        Assert.Equal(2, again.Rows);
        Assert.Empty(again.Skipped);
        Assert.Equal(4, (await store.ReadAsync(DatasetReference.Parse("d"))).Count);
        Assert.Equal(2, Assert.Single((await store.SnapshotAsync(DatasetReference.Parse("d"))).Transactions.Values).Version);
    }

    [Fact]
    public async Task A_retry_after_a_commit_whose_answer_was_lost_never_doubles_rows()
    {
        var lossy = new AnswerLosingStore(new LocalObjectStore(StoreRoot));
        string a = WriteFile("a.csv");
        await new DatasetIngest(new DatasetStore(lossy)).RunAsync(Request("d", a));
        lossy.LoseNextCommitAnswer = true;
        string b = WriteFile("b.csv", Csv + "0,0,0,0,1\n");

        // The commit lands, but the caller sees a timeout and retries the whole ingest.
        await Assert.ThrowsAsync<TimeoutException>(() => new DatasetIngest(new DatasetStore(lossy)).RunAsync(Request("d", b)));
        var retry = await new DatasetIngest(new DatasetStore(lossy)).RunAsync(Request("d", b));

        Assert.False(retry.Committed);
        Assert.Equal(2, retry.Version.Version);
        Assert.Equal(2 + 3, (await new DatasetStore(lossy).ReadAsync(DatasetReference.Parse("d"))).Count);
    }

    [Fact]
    public async Task A_commit_based_on_a_snapshot_from_before_a_commit_of_the_same_hash_fails_instead_of_doubling()
    {
        var store = new DatasetStore(new LocalObjectStore(StoreRoot));
        await store.CreateAsync("d", new DatasetMetadata("E", 1, 1));
        var stale = await store.SnapshotAsync(DatasetReference.Parse("d"));
        var batch = new OfflineSafety.Ingest.Transitions.TransitionBatch(1, 1);
        batch.Add(0, 0, "default", "a.csv", [0f], [0f], [1f], 0, 0, false, true, false);
        var options = new AppendOptions { Transactions = [new TransactionAction(DatasetIngest.FileHashAppIdPrefix + "ab", 1, 0)] };
        await store.AppendAsync("d", stale, batch, options);

        await Assert.ThrowsAsync<DeltaConflictException>(() => store.AppendAsync("d", stale, batch, options));
        Assert.Equal(1, (await store.ReadAsync(DatasetReference.Parse("d"))).Count);
    }

    [Fact]
    public async Task A_create_ingest_that_fails_writing_its_data_leaves_no_dataset()
    {
        var store = new DatasetStore(new LocalObjectStore(StoreRoot));
        string a = WriteFile("a.csv");
        // A file where the variant's folder must go: the data file cannot be written. (An over-long
        // variant no longer gets this far: names are validated before any write.)
        string blocker = Path.Combine(StoreRoot, "datasets", "d", "variant=default");
        Directory.CreateDirectory(Path.GetDirectoryName(blocker)!);
        File.WriteAllText(blocker, "");
        var request = Request("d", a);

        await Assert.ThrowsAnyAsync<IOException>(() => new DatasetIngest(store).RunAsync(request));
        File.Delete(blocker);

        Assert.Empty(await store.ListAsync());
        await Assert.ThrowsAsync<DatasetNotFoundException>(() => store.SnapshotAsync(DatasetReference.Parse("d")));
        var retried = await new DatasetIngest(store).RunAsync(Request("d", a));
        Assert.Equal(1, retried.Version.Version); // version 0 creates, the first ingest is version 1, as always
    }

    /// <summary>Publishes a commit, then reports a timeout as if the answer had been lost on the way back.</summary>
    private sealed class AnswerLosingStore(IObjectStore inner) : IObjectStore
    {
        public bool LoseNextCommitAnswer;

        public string Location => inner.Location;

        public async Task<bool> CreateIfAbsentAsync(string key, ReadOnlyMemory<byte> content, CancellationToken ct = default)
        {
            bool created = await inner.CreateIfAbsentAsync(key, content, ct);
            if (created && LoseNextCommitAnswer && key.EndsWith(".json", StringComparison.Ordinal))
            {
                LoseNextCommitAnswer = false;
                throw new TimeoutException($"no answer for '{key}'");
            }
            return created;
        }

        public Task<byte[]?> TryReadAsync(string key, CancellationToken ct = default) => inner.TryReadAsync(key, ct);
        public Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken ct = default) => inner.GetInfoAsync(key, ct);
        public Task<int> ReadRangeAsync(string key, long offset, Memory<byte> buffer, CancellationToken ct = default) => inner.ReadRangeAsync(key, offset, buffer, ct);
        public Task WriteAsync(string key, Stream content, CancellationToken ct = default) => inner.WriteAsync(key, content, ct);
        public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken ct = default) => inner.ListAsync(prefix, ct);
        public IAsyncEnumerable<string> ListCommonPrefixesAsync(string prefix, CancellationToken ct = default) => inner.ListCommonPrefixesAsync(prefix, ct);
        public Task<bool> DeleteAsync(string key, CancellationToken ct = default) => inner.DeleteAsync(key, ct);
    }
}
