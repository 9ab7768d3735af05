using System.Diagnostics;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Bench.Timing;
using OfflineSafety.Storage;

namespace OfflineSafety.Bench.Datasets;

/// <summary>Measured times of loading the latest snapshot of a long log.</summary>
/// <remarks>The CPU figures (process CPU time, median of the same loads) hold their shape on a loaded machine, where wall time drifts.</remarks>
public sealed record SnapshotLoadFigures(int Commits, int LiveFiles, double WithCheckpointMs, double JsonReplayMs, double BuildSeconds,
    double WithCheckpointCpuMs, double JsonReplayCpuMs);

/// <summary>
/// How long loading the latest snapshot of a dataset with many small commits takes, from the
/// latest checkpoint plus the commits after it, against replaying every JSON commit. Builds two
/// throw-away tables (one with checkpoints every 10 commits, one without) under a directory.
/// </summary>
public static class SnapshotLoadBench
{
    public static async Task<SnapshotLoadFigures> RunAsync(string directory, int commits = 2000, int repeats = 7, CancellationToken ct = default)
    {
        var store = new LocalObjectStore(directory, flushToDisk: false);
        var build = Stopwatch.StartNew();
        var checkpointed = await BuildAsync(new DeltaLog(store, "datasets/checkpointed"), commits, checkpointEvery: 10, ct);
        var plain = await BuildAsync(new DeltaLog(store, "datasets/plain"), commits, checkpointEvery: 0, ct);
        build.Stop();

        var (withCheckpoint, withCheckpointCpu) = await MedianMsAsync(() => checkpointed.GetSnapshotAsync(null, ct), repeats);
        var (replay, replayCpu) = await MedianMsAsync(() => plain.GetSnapshotAsync(null, ct), repeats);
        int live = (await checkpointed.GetSnapshotAsync(null, ct)).Files.Count;
        return new SnapshotLoadFigures(commits, live, withCheckpoint, replay, build.Elapsed.TotalSeconds, withCheckpointCpu, replayCpu);
    }

    private static async Task<DeltaLog> BuildAsync(DeltaLog log, int commits, int checkpointEvery, CancellationToken ct)
    {
        var empty = new Dictionary<string, string>();
        var configuration = new Dictionary<string, string> { [DeltaLog.CheckpointIntervalKey] = checkpointEvery > 0 ? $"{checkpointEvery}" : $"{int.MaxValue}" };
        await log.TryWriteCommitAsync(0, [new CommitInfo(1, "CREATE TABLE", empty, empty), ProtocolAction.Supported,
            new MetadataAction(Guid.NewGuid().ToString(), TransitionSchema.DeltaSchemaString, TransitionSchema.PartitionColumns, configuration, 1)], ct);
        var snapshot = await log.GetSnapshotAsync(0, ct);
        for (int v = 1; v <= commits; v++)
        {
            string variant = $"v{v % 4}";
            string stats = $"{{\"numRecords\":{v % 97 + 1},\"minValues\":{{\"episode_id\":{v}}},\"maxValues\":{{\"episode_id\":{v}}}}}";
            await log.TryWriteCommitAsync(v, [
                new CommitInfo(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "WRITE", empty, empty),
                new AddFile($"variant={variant}/part-{Guid.NewGuid()}.snappy.parquet", new Dictionary<string, string?> { ["variant"] = variant },
                    1000 + v, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), true, stats)], ct);
            if (checkpointEvery > 0 && v % checkpointEvery == 0)
            {
                snapshot = await log.UpdateAsync(snapshot, v, ct);
                await log.WriteCheckpointAsync(snapshot, ct);
            }
        }
        return log;
    }

    private static async Task<(double WallMs, double CpuMs)> MedianMsAsync(Func<Task<Snapshot>> load, int repeats)
    {
        await load();   // warm-up: JIT and file cache
        var times = new double[repeats];
        var cpu = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var cpuBefore = ProcessCpu.Now();
            var sw = Stopwatch.StartNew();
            await load();
            times[i] = sw.Elapsed.TotalMilliseconds;
            cpu[i] = (ProcessCpu.Now() - cpuBefore).TotalMilliseconds;
        }
        Array.Sort(times);
        Array.Sort(cpu);
        return (times[repeats / 2], cpu[repeats / 2]);
    }
}
