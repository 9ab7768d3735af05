using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Ingest.Tests;

public sealed class DatasetIngestTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task An_ingest_into_an_existing_dataset_loads_the_latest_snapshot_once()
    {
        var objects = new CountingStore(new LocalObjectStore(Path.Combine(_dir.Path, "st")));
        var store = new DatasetStore(objects);
        await store.CreateAsync("d", new DatasetMetadata("E", 1, 1));
        string csv = Path.Combine(_dir.Path, "a.csv");
        await File.WriteAllTextAsync(csv, "obs_0,action_0,reward,cost,next_obs_0\n0,0,0,0,1\n0,0,0,1,1\n");

        objects.LatestLoads = 0;
        var outcome = await new DatasetIngest(store).RunAsync(new IngestRequest([csv], "d", FieldMap.Parse(null)));

        Assert.Equal(1, outcome.Version.Version);
        Assert.Equal(2, outcome.Rows);
        // Resolving, the next episode id and the append's base share one snapshot (it used to be three loads).
        Assert.Equal(1, objects.LatestLoads);
    }

    /// <summary>Counts loads of a latest snapshot: each one starts by reading the log's checkpoint pointer.</summary>
    private sealed class CountingStore(IObjectStore inner) : IObjectStore
    {
        public int LatestLoads;

        public string Location => inner.Location;

        public Task<byte[]?> TryReadAsync(string key, CancellationToken ct = default)
        {
            if (key.EndsWith(DeltaPath.LastCheckpointName, StringComparison.Ordinal)) Interlocked.Increment(ref LatestLoads);
            return inner.TryReadAsync(key, ct);
        }

        public Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken ct = default) => inner.GetInfoAsync(key, ct);
        public Task<int> ReadRangeAsync(string key, long offset, Memory<byte> buffer, CancellationToken ct = default) => inner.ReadRangeAsync(key, offset, buffer, ct);
        public Task WriteAsync(string key, Stream content, CancellationToken ct = default) => inner.WriteAsync(key, content, ct);
        public Task<bool> CreateIfAbsentAsync(string key, ReadOnlyMemory<byte> content, CancellationToken ct = default) => inner.CreateIfAbsentAsync(key, content, ct);
        public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken ct = default) => inner.ListAsync(prefix, ct);
        public IAsyncEnumerable<string> ListCommonPrefixesAsync(string prefix, CancellationToken ct = default) => inner.ListCommonPrefixesAsync(prefix, ct);
        public Task<bool> DeleteAsync(string key, CancellationToken ct = default) => inner.DeleteAsync(key, ct);
    }
}
