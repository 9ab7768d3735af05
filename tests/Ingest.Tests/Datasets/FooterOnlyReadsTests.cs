using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Storage;
using OfflineSafety.Testing;
using Xunit.Abstractions;

namespace OfflineSafety.Ingest.Tests.Datasets;

/// <summary>
/// Step 9 target: on a blob store, `datasets show` and `datasets history` (the library calls the CLI
/// commands make) download under 1% of the data files' bytes. Measured on a real Azurite through a
/// store that counts every byte its reads return.
/// </summary>
public sealed class FooterOnlyReadsTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private const int ObsDim = 8, ActDim = 2;

    [Fact]
    public async Task Show_and_history_download_under_one_percent_of_the_data_bytes()
    {
        var counting = new CountingObjectStore(azurite.NewStore());
        var store = new DatasetStore(counting);
        var metadata = new DatasetMetadata("Bench-v0", ObsDim, ActDim);
        // Several MB of incompressible observations (seeded noise, as real sensor data is), in
        // three commits over two variants, so show opens several files.
        var random = new Random(9);
        await store.CreateAndAppendAsync("noisy", metadata, Noisy(random, "a", 0, 16_000));
        await store.AppendAsync("noisy", Noisy(random, "b", 1_000, 16_000));
        await store.AppendAsync("noisy", Noisy(random, "a", 2_000, 16_000));

        var dataFiles = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var o in counting.ListAsync("datasets/noisy/"))
            if (o.Key.EndsWith(".parquet", StringComparison.Ordinal) && !o.Key.Contains("/_delta_log/", StringComparison.Ordinal)) dataFiles[o.Key] = o.Length;
        long dataBytes = dataFiles.Values.Sum();
        Assert.True(dataBytes > 3_000_000, $"only {dataBytes} data bytes; the dataset is meant to be several MB");

        var inspection = new DatasetInspection(store);
        counting.Reset();
        var summary = await inspection.ShowAsync(DatasetReference.Parse("noisy"));
        long showAll = counting.BytesRead(_ => true), showData = counting.BytesRead(dataFiles.ContainsKey);
        foreach (var (key, d) in counting.Reads.Where(kv => dataFiles.ContainsKey(kv.Key)))
            output.WriteLine($"show read {key[(key.LastIndexOf('/') + 1)..]}: {d.Bytes} of {dataFiles[key]} bytes in {d.Requests} requests");
        Assert.Equal(48_000, summary.Total.Rows);
        Assert.Equal(3, summary.Files);

        counting.Reset();
        var history = await inspection.HistoryAsync("noisy");
        long historyAll = counting.BytesRead(_ => true), historyData = counting.BytesRead(dataFiles.ContainsKey);
        Assert.Equal(summary.Version.Version + 1, history.Count);

        output.WriteLine($"data files: {dataFiles.Count}, {dataBytes} bytes");
        output.WriteLine($"show: {showAll} bytes downloaded ({showData} from data files) = {100.0 * showAll / dataBytes:F3}% of the data bytes");
        output.WriteLine($"history: {historyAll} bytes downloaded ({historyData} from data files) = {100.0 * historyAll / dataBytes:F3}% of the data bytes");
        // Everything either downloads counts, the log included, against the data bytes.
        Assert.True(showAll < dataBytes / 100, $"show downloaded {showAll} of {dataBytes} data bytes");
        Assert.True(historyAll < dataBytes / 100, $"history downloaded {historyAll} of {dataBytes} data bytes");
        Assert.Equal(0, historyData);
    }

    private static TransitionBatch Noisy(Random random, string variant, long firstEpisode, int rows)
    {
        var batch = new TransitionBatch(ObsDim, ActDim, rows);
        var obs = new float[ObsDim];
        var next = new float[ObsDim];
        var action = new float[ActDim];
        for (int i = 0; i < rows; i++)
        {
            int step = i % 100;
            for (int d = 0; d < ObsDim; d++) { obs[d] = random.NextSingle() * 2 - 1; next[d] = random.NextSingle() * 2 - 1; }
            for (int d = 0; d < ActDim; d++) action[d] = random.NextSingle() * 2 - 1;
            bool violation = random.Next(100) == 0;
            batch.Add(firstEpisode + i / 100, step, variant, "sensors.csv", obs, action, next, random.NextSingle(), violation ? 1f : 0f,
                violation, step == 99, false);
        }
        return batch;
    }
}
