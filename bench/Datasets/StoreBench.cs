using System.Diagnostics;
using OfflineSafety.Ingest;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Bench.Datasets;

/// <summary>One backend's figures: the best of the rounds for ingest and scan, and the bytes footer-only operations download.</summary>
public sealed record StoreFigures(string Backend, long Rows, long DataBytes, int DataFiles, double IngestSeconds, double ScanSeconds,
    long ShowBytes, long HistoryBytes)
{
    public double ShowPercent => 100.0 * ShowBytes / DataBytes;
    public double HistoryPercent => 100.0 * HistoryBytes / DataBytes;
}

/// <summary>Azurite beside the local directory it is measured against.</summary>
public sealed record StoreComparison(StoreFigures Local, StoreFigures Azure, int Rounds)
{
    /// <summary>Azurite time over local time: the target is at most 2.</summary>
    public double IngestRatio => Azure.IngestSeconds / Local.IngestSeconds;
    public double ScanRatio => Azure.ScanSeconds / Local.ScanSeconds;
}

/// <summary>
/// Step 9's storage target: `offsafe ingest` of a 1M-row log (DatasetIngest, the CLI's code path,
/// from a Parquet log so that reading the input is the smallest share) into a container of a real
/// Azurite on a loopback port, and a full scan back (every row of the version, file by file), next
/// to the same on a local directory (the anchor). Rounds alternate the backends; each figure is the
/// best round. Show and history run once on each through a byte-counting store.
/// </summary>
public sealed class StoreBench(int rows, int rounds)
{
    public async Task<StoreComparison> RunAsync(string folder, Action<string> status, CancellationToken ct)
    {
        string log = Path.Combine(folder, "bench.parquet");
        status($"writing a {rows}-row Parquet log");
        new IngestBench(rows).Formats.Single(f => f.Format == "parquet").Write(log);
        status("starting Azurite");
        using var azurite = new AzuriteFixture();
        var local = new List<(double Ingest, double Scan)>();
        var azure = new List<(double Ingest, double Scan)>();
        IObjectStore? lastLocal = null, lastAzure = null;
        for (int round = 0; round < rounds; round++)
        {
            status($"round {round + 1}/{rounds}: local directory");
            lastLocal = new LocalObjectStore(Path.Combine(folder, $"store-{round}"));
            local.Add(await MeasureAsync(lastLocal, log, ct));
            status($"round {round + 1}/{rounds}: Azurite");
            lastAzure = azurite.NewStore();
            azure.Add(await MeasureAsync(lastAzure, log, ct));
        }
        status("show and history through a counting store");
        return new StoreComparison(await FiguresAsync("local directory", lastLocal!, local, ct), await FiguresAsync("Azurite (az://)", lastAzure!, azure, ct), rounds);
    }

    private static async Task<(double Ingest, double Scan)> MeasureAsync(IObjectStore objects, string log, CancellationToken ct)
    {
        var store = new DatasetStore(objects);
        var clock = Stopwatch.StartNew();
        var outcome = await new DatasetIngest(store).RunAsync(new IngestRequest([log], "bench", new FieldMap(), LogFormat.Auto, CreateWithEnv: "Bench"), null, ct);
        double ingest = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var snapshot = await store.SnapshotAsync(DatasetReference.Parse("bench"), ct);
        long scanned = 0;
        await foreach (var batch in store.ReadFilesAsync("bench", snapshot, ct: ct)) scanned += batch.Count;
        double scan = clock.Elapsed.TotalSeconds;
        if (scanned != outcome.Rows) throw new InvalidOperationException($"{objects.Location}: scanned {scanned} rows, ingested {outcome.Rows}");
        return (ingest, scan);
    }

    private async Task<StoreFigures> FiguresAsync(string backend, IObjectStore objects, List<(double Ingest, double Scan)> times, CancellationToken ct)
    {
        var counting = new CountingObjectStore(objects);
        var store = new DatasetStore(counting);
        var snapshot = await store.SnapshotAsync(DatasetReference.Parse("bench"), ct);
        long dataBytes = snapshot.Files.Sum(f => f.Size);
        var inspection = new DatasetInspection(store);
        counting.Reset();
        await inspection.ShowAsync(DatasetReference.Parse("bench"), ct);
        long show = counting.BytesRead(_ => true);
        counting.Reset();
        await inspection.HistoryAsync("bench", ct);
        long history = counting.BytesRead(_ => true);
        return new StoreFigures(backend, rows, dataBytes, snapshot.Files.Count, times.Min(t => t.Ingest), times.Min(t => t.Scan), show, history);
    }
}
