using System.Diagnostics;
using OfflineSafety.Ingest;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Bench.Datasets;

/// <summary>Wall and CPU seconds of one timed step; ServerCpu is the Azurite process's CPU (0 for a local directory).</summary>
public sealed record StepTime(double Seconds, double Cpu, double ServerCpu);

/// <summary>One backend's figures: the best of the rounds for ingest and scan, and the bytes footer-only operations download.</summary>
public sealed record StoreFigures(string Backend, long Rows, long DataBytes, int DataFiles, StepTime Ingest, StepTime Scan,
    long ShowBytes, long HistoryBytes)
{
    public double ShowPercent => 100.0 * ShowBytes / DataBytes;
    public double HistoryPercent => 100.0 * HistoryBytes / DataBytes;
}

/// <summary>Azurite beside the local directory it is measured against.</summary>
public sealed record StoreComparison(StoreFigures Local, StoreFigures Azure, int Rounds)
{
    /// <summary>Azurite time over local time: the target is at most 2.</summary>
    public double IngestRatio => Azure.Ingest.Seconds / Local.Ingest.Seconds;
    public double ScanRatio => Azure.Scan.Seconds / Local.Scan.Seconds;
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
        var local = new List<(StepTime Ingest, StepTime Scan)>();
        var azure = new List<(StepTime Ingest, StepTime Scan)>();
        IObjectStore? lastLocal = null, lastAzure = null;
        for (int round = 0; round < rounds; round++)
        {
            status($"round {round + 1}/{rounds}: local directory");
            lastLocal = new LocalObjectStore(Path.Combine(folder, $"store-{round}"));
            local.Add(await MeasureAsync(lastLocal, log, () => TimeSpan.Zero, ct));
            status(Describe(local[^1]));
            status($"round {round + 1}/{rounds}: Azurite");
            lastAzure = azurite.NewStore();
            azure.Add(await MeasureAsync(lastAzure, log, () => azurite.CpuTime, ct));
            status(Describe(azure[^1]));
        }
        status("show and history through a counting store");
        return new StoreComparison(await FiguresAsync("local directory", lastLocal!, local, ct), await FiguresAsync("Azurite (az://)", lastAzure!, azure, ct), rounds);
    }

    private static string Describe((StepTime Ingest, StepTime Scan) r) => System.FormattableString.Invariant(
        $"  ingest {r.Ingest.Seconds:F2} s (CPU {r.Ingest.Cpu:F2} + {r.Ingest.ServerCpu:F2}), scan {r.Scan.Seconds:F2} s (CPU {r.Scan.Cpu:F2} + {r.Scan.ServerCpu:F2})");

    private static async Task<(StepTime Ingest, StepTime Scan)> MeasureAsync(IObjectStore objects, string log, Func<TimeSpan> serverCpu, CancellationToken ct)
    {
        var store = new DatasetStore(objects);
        long ingested = 0, scanned = 0;
        var ingest = await TimeAsync(async () =>
            ingested = (await new DatasetIngest(store).RunAsync(new IngestRequest([log], "bench", new FieldMap(), LogFormat.Auto, CreateWithEnv: "Bench"), null, ct)).Rows,
            serverCpu);
        var scan = await TimeAsync(async () =>
        {
            var snapshot = await store.SnapshotAsync(DatasetReference.Parse("bench"), ct);
            await foreach (var batch in store.ReadFilesAsync("bench", snapshot, ct: ct)) scanned += batch.Count;
        }, serverCpu);
        if (scanned != ingested) throw new InvalidOperationException($"{objects.Location}: scanned {scanned} rows, ingested {ingested}");
        return (ingest, scan);
    }

    private static async Task<StepTime> TimeAsync(Func<Task> step, Func<TimeSpan> serverCpu)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var server = serverCpu();
        var clock = Stopwatch.StartNew();
        await step();
        clock.Stop();
        process.Refresh();
        return new StepTime(clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu).TotalSeconds, (serverCpu() - server).TotalSeconds);
    }

    private async Task<StoreFigures> FiguresAsync(string backend, IObjectStore objects, List<(StepTime Ingest, StepTime Scan)> times, CancellationToken ct)
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
        return new StoreFigures(backend, rows, dataBytes, snapshot.Files.Count, times.Select(t => t.Ingest).MinBy(t => t.Seconds)!, times.Select(t => t.Scan).MinBy(t => t.Seconds)!, show, history);
    }
}
