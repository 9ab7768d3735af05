using System.Globalization;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Storage;

// ROOT is a --store address: a local directory, or az://ACCOUNT/CONTAINER with the connection
// string in AZURE_STORAGE_CONNECTION_STRING (Azurite, in the tests).
// Usage:
//   append ROOT NAME WRITER COMMITS ROWS   append COMMITS batches of ROWS rows, then exit
//   append-forever ROOT NAME WRITER ROWS   append batches until killed
//   stall ROOT NAME WRITER COMMITS ROWS    append COMMITS batches, then write the next batch's data
//                                          files and freeze just before publishing its log entry
// Each committed version is printed as "committed VERSION ROWS" on stdout; "stalled" when frozen.
// Episode ids are WRITER * 1_000_000 + batch index, so a reader can tell whose rows landed.
if (args.Length < 5)
{
    Console.Error.WriteLine("usage: append|stall ROOT NAME WRITER COMMITS ROWS | append-forever ROOT NAME WRITER ROWS");
    return 2;
}

string mode = args[0];
bool forever = mode == "append-forever";
var local = StoreLocation.Open(args[1]);
var objects = mode == "stall" ? new StallBeforeCommit(local) : (IObjectStore)local;
var store = new DatasetStore(objects);
string name = args[2];
int writer = int.Parse(args[3], CultureInfo.InvariantCulture);
int commits = forever ? int.MaxValue : int.Parse(args[4], CultureInfo.InvariantCulture);
int rows = int.Parse(args[forever ? 4 : 5], CultureInfo.InvariantCulture);
const int obsDim = 4, actDim = 2;

await store.EnsureCreatedAsync(name, new DatasetMetadata("Writer-v0", obsDim, actDim));
var obs = new float[obsDim];
var action = new float[actDim];
for (int c = 0; c < commits || mode == "stall"; c++)
{
    if (mode == "stall" && c == commits) ((StallBeforeCommit)objects).Armed = true;
    var batch = new TransitionBatch(obsDim, actDim, rows);
    long episode = writer * 1_000_000L + c;
    for (int i = 0; i < rows; i++)
    {
        obs[0] = i;
        action[0] = writer;
        batch.Add(episode, i, i % 2 == 0 ? "even" : "odd", $"writer{writer}", obs, action, obs, 1f, i % 5 == 0 ? 1f : 0f, i % 5 == 0, i == rows - 1, false);
    }
    var result = await store.AppendAsync(name, batch, new AppendOptions { Operation = "INGEST" });
    Console.Out.WriteLine($"committed {result.Version.Version} {batch.Count}");
    Console.Out.Flush();
}
return 0;

/// <summary>
/// The real local store, except that once armed, publishing a log entry never happens: the
/// process announces "stalled" and waits to be killed, with its data files already written.
/// </summary>
sealed class StallBeforeCommit(IObjectStore inner) : IObjectStore
{
    public volatile bool Armed;

    public string Location => inner.Location;
    public Task<byte[]?> TryReadAsync(string key, CancellationToken ct = default) => inner.TryReadAsync(key, ct);
    public Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken ct = default) => inner.GetInfoAsync(key, ct);
    public Task<int> ReadRangeAsync(string key, long offset, Memory<byte> buffer, CancellationToken ct = default) => inner.ReadRangeAsync(key, offset, buffer, ct);
    public Task WriteAsync(string key, Stream content, CancellationToken ct = default) => inner.WriteAsync(key, content, ct);
    public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken ct = default) => inner.ListAsync(prefix, ct);
    public IAsyncEnumerable<string> ListCommonPrefixesAsync(string prefix, CancellationToken ct = default) => inner.ListCommonPrefixesAsync(prefix, ct);
    public Task<bool> DeleteAsync(string key, CancellationToken ct = default) => inner.DeleteAsync(key, ct);

    public async Task<bool> CreateIfAbsentAsync(string key, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        if (Armed && key.Contains("/_delta_log/", StringComparison.Ordinal))
        {
            Console.Out.WriteLine("stalled");
            Console.Out.Flush();
            await Task.Delay(Timeout.Infinite, ct);
        }
        return await inner.CreateIfAbsentAsync(key, content, ct);
    }
}
