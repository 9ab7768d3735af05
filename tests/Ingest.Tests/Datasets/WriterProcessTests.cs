using OfflineSafety.Testing;
using System.Diagnostics;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Storage;
using Xunit.Abstractions;

namespace OfflineSafety.Ingest.Tests.Datasets;

/// <summary>
/// Real processes (tests/Ingest.WriterProcess, run with `dotnet`) writing to one store: racing
/// appenders and a writer killed while it writes.
/// </summary>
public sealed class WriterProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Two_processes_appending_to_one_dataset_both_land_with_distinct_versions_and_no_lost_rows()
    {
        const int commits = 12, rows = 40;
        using var a = StartWriter("append", "ds", "1", $"{commits}", $"{rows}");
        using var b = StartWriter("append", "ds", "2", $"{commits}", $"{rows}");
        var outA = await FinishAsync(a);
        var outB = await FinishAsync(b);

        var versions = Committed(outA).Concat(Committed(outB)).Select(c => c.Version).ToList();
        Assert.Equal(2 * commits, versions.Count);
        Assert.Equal(Enumerable.Range(1, 2 * commits).Select(v => (long)v), versions.Order());

        var store = new DatasetStore(new LocalObjectStore(_dir.Path));
        var all = await store.ReadAsync(DatasetReference.Parse("ds"));
        Assert.Equal(2 * commits * rows, all.Count);
        var episodes = all.EpisodeId.ToArray().Distinct().ToHashSet();
        for (int c = 0; c < commits; c++)
        {
            Assert.Contains(1_000_000L + c, episodes);
            Assert.Contains(2_000_000L + c, episodes);
        }
        var history = await new DatasetInspection(store).HistoryAsync("ds");
        Assert.Equal(2 * commits + 1, history.Count);
        Assert.Single(history, h => h.Operation == "CREATE TABLE");
        var raced = (await store.Log("ds").HistoryAsync()).Count(c => c.Info?.ReadVersion is { } read && read < c.Version - 1);
        output.WriteLine($"{raced} of {2 * commits} appends committed after losing at least one race");
    }

    [Fact]
    public async Task A_writer_killed_mid_write_leaves_the_last_committed_version_readable()
    {
        const int rows = 3000;
        using var writer = StartWriter("append-forever", "ds", "3", $"{rows}");
        int seen = 0;
        while (seen < 3)
        {
            var line = await writer.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(120));
            Assert.NotNull(line);
            if (line.StartsWith("committed ", StringComparison.Ordinal)) seen++;
        }
        // It is now writing the data files of its next commit.
        writer.Kill(entireProcessTree: true);
        await writer.WaitForExitAsync();

        var store = new DatasetStore(new LocalObjectStore(_dir.Path));
        var log = store.Log("ds");
        var snapshot = await log.GetSnapshotAsync();
        Assert.True(snapshot.Version >= 3);
        var history = await new DatasetInspection(store).HistoryAsync("ds");
        int appends = history.Count(h => h.Operation == "INGEST");
        var data = await store.ReadAsync("ds", snapshot);
        Assert.Equal(appends * rows, data.Count);

        // Whatever the killed commit wrote is not referenced; vacuum with no retention removes it
        // and leaves every referenced file.
        var referenced = snapshot.Files.Select(f => log.Key(DeltaPath.FromLogPath(f.Path))).ToHashSet();
        var dataObjects = new List<string>();
        await foreach (var o in store.Objects.ListAsync(log.TableRoot))
            if (!o.Key.Contains("/_delta_log/")) dataObjects.Add(o.Key);
        var orphans = dataObjects.Where(k => !referenced.Contains(k)).Order().ToArray();
        output.WriteLine($"killed after version {snapshot.Version}; {orphans.Length} unreferenced data files left behind");
        var vacuum = await new DatasetMaintenance(store).VacuumAsync("ds", TimeSpan.Zero);
        Assert.Equal(orphans, vacuum.Deleted.Select(d => log.Key(d)).Order());
        Assert.Equal(appends * rows, (await store.ReadAsync("ds", await log.GetSnapshotAsync())).Count);
    }

    [Fact]
    public async Task A_writer_killed_between_writing_data_files_and_committing_leaves_them_unreferenced_until_vacuum()
    {
        using var writer = StartWriter("stall", "ds", "4", "2", "50");
        string? line;
        do line = await writer.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(120));
        while (line is not null && line != "stalled");
        Assert.Equal("stalled", line);
        writer.Kill(entireProcessTree: true);
        await writer.WaitForExitAsync();

        var store = new DatasetStore(new LocalObjectStore(_dir.Path));
        var log = store.Log("ds");
        var snapshot = await log.GetSnapshotAsync();
        Assert.Equal(2, snapshot.Version);                       // create + two appends; the third never landed
        Assert.Equal(100, (await store.ReadAsync("ds", snapshot)).Count);
        var referenced = snapshot.Files.Select(f => DeltaPath.FromLogPath(f.Path)).ToHashSet();
        var orphans = new List<string>();
        await foreach (var o in store.Objects.ListAsync(log.TableRoot))
        {
            string relative = o.Key[log.TableRoot.Length..];
            if (!relative.StartsWith("_delta_log/", StringComparison.Ordinal) && !referenced.Contains(relative)) orphans.Add(relative);
        }
        Assert.Equal(2, orphans.Count);                          // the stalled batch's even and odd files
        Assert.Empty((await new DatasetMaintenance(store).VacuumAsync("ds")).Deleted);   // too young for the default retention
        Assert.Equal(orphans.Order(), (await new DatasetMaintenance(store).VacuumAsync("ds", TimeSpan.Zero)).Deleted.Order());
        Assert.Equal(100, (await store.ReadAsync(DatasetReference.Parse("ds"))).Count);
    }

    private Process StartWriter(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "OfflineSafety.Ingest.WriterProcess.dll");
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add(args[0]);
        info.ArgumentList.Add(_dir.Path);
        foreach (var a in args.Skip(1)) info.ArgumentList.Add(a);
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the writer process");
    }

    private static async Task<string> FinishAsync(Process p)
    {
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(180));
        Assert.True(p.ExitCode == 0, $"writer exited with {p.ExitCode}: {await stderr}");
        return await stdout;
    }

    private static IEnumerable<(long Version, int Rows)> Committed(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("committed ", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .Select(p => (long.Parse(p[1]), int.Parse(p[2])));

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";
}
