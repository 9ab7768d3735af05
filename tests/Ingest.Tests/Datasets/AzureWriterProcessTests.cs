using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Storage;
using OfflineSafety.Testing;
using Xunit.Abstractions;

namespace OfflineSafety.Ingest.Tests.Datasets;

/// <summary>
/// Real writer processes (tests/Ingest.WriterProcess) against a real Azurite: racing appenders,
/// and writers killed with SIGKILL while uploading and while committing.
/// </summary>
public sealed class AzureWriterProcessTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    // Generous for a shared 2-core machine; a writer that takes this long is stuck, and is killed.
    private static readonly TimeSpan WriterTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Four_processes_appending_for_three_rounds_lose_no_version_and_no_row()
    {
        string address = azurite.NewContainerAddress();
        const int writers = 4, rounds = 3, commits = 3, rows = 40;
        int conflictsRetried = 0;
        for (int round = 0; round < rounds; round++)
        {
            var processes = Enumerable.Range(1, writers)
                .Select(w => StartWriter(address, "append", "ds", $"{round * 10 + w}", $"{commits}", $"{rows}")).ToArray();
            var outputs = new List<string>();
            try
            {
                foreach (var p in processes) outputs.Add(await p.FinishAsync(WriterTimeout));
            }
            finally
            {
                foreach (var p in processes) p.Dispose();
            }
            Assert.Equal(writers * commits, outputs.Sum(o => o.Split('\n').Count(l => l.StartsWith("committed ", StringComparison.Ordinal))));
        }

        var store = new DatasetStore(azurite.Open(address));
        int total = writers * rounds * commits;
        var history = await store.Log("ds").HistoryAsync();
        // Version 0 creates the table; every append has its own version, none missing.
        Assert.Equal(Enumerable.Range(0, total + 1).Select(v => (long)v), history.Select(c => c.Version));
        var all = await store.ReadAsync(DatasetReference.Parse("ds"));
        Assert.Equal(total * rows, all.Count);
        var perEpisode = all.EpisodeId.ToArray().GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count());
        for (int round = 0; round < rounds; round++)
            for (int w = 1; w <= writers; w++)
                for (int c = 0; c < commits; c++)
                    Assert.Equal(rows, perEpisode[(round * 10 + w) * 1_000_000L + c]);   // present exactly once
        conflictsRetried = history.Count(c => c.Info?.ReadVersion is { } read && read < c.Version - 1);
        output.WriteLine($"{total} appends by {writers} processes x {rounds} rounds; {conflictsRetried} committed after losing at least one race");
        Assert.True(conflictsRetried > 0, "four racing writers never conflicted; the race was not exercised");
    }

    [Fact]
    public async Task Writers_killed_at_random_points_of_upload_and_commit_leave_the_store_readable_and_writable()
    {
        string address = azurite.NewContainerAddress();
        var store = new DatasetStore(azurite.Open(address));
        const int rows = 2000;
        var random = new Random(20261205);
        int killedAfterCommits = 0, killedWhileStalled = 0;
        long lastVersion = -1;
        var clock = Stopwatch.StartNew();
        for (int kill = 0; kill < 20; kill++)
        {
            // Even kills: at a random moment of a writer that uploads and commits in a loop (upload
            // is most of its time, the commit PUT the rest). Odd kills: exactly between its last
            // data upload and its commit PUT.
            bool stall = kill % 2 == 1;
            using var writer = stall
                ? StartWriter(address, "stall", "ds", $"{kill + 1}", "1", $"{rows}")
                : StartWriter(address, "append-forever", "ds", $"{kill + 1}", $"{rows}");
            string? line = await writer.ReadLineAsync(WriterTimeout);
            Assert.True(line is not null, $"writer {kill + 1} printed nothing: {writer.Stderr}");
            if (stall)
            {
                while (line is not null && line != "stalled") line = await writer.ReadLineAsync(WriterTimeout);
                killedWhileStalled++;
            }
            else
            {
                await Task.Delay(random.Next(0, 400));
                killedAfterCommits++;
            }
            writer.Kill();   // SIGKILL

            // Readable, every version whole: the rows read are exactly those the log's commits added.
            var snapshot = await store.Log("ds").GetSnapshotAsync();
            Assert.True(snapshot.Version >= lastVersion);
            lastVersion = snapshot.Version;
            var history = await new DatasetInspection(store).HistoryAsync("ds");
            long committedRows = history.Where(h => h.Operation == "INGEST").Sum(h => long.Parse(h.Metrics["rows"]));
            Assert.Equal(committedRows, (await store.ReadAsync("ds", snapshot)).Count);
        }

        // The next write succeeds, and vacuum clears what the killed writers left unreferenced.
        using (var next = StartWriter(address, "append", "ds", "99", "1", "10"))
            Assert.Contains("committed ", await next.FinishAsync(WriterTimeout));
        var log = store.Log("ds");
        var final = await log.GetSnapshotAsync();
        var vacuum = await new DatasetMaintenance(store).VacuumAsync("ds", TimeSpan.Zero);
        var afterVacuum = await store.ReadAsync("ds", await log.GetSnapshotAsync());
        long expected = (await new DatasetInspection(store).HistoryAsync("ds")).Where(h => h.Operation == "INGEST").Sum(h => long.Parse(h.Metrics["rows"]));
        Assert.Equal(expected, afterVacuum.Count);
        output.WriteLine($"20 kills ({killedAfterCommits} at random points, {killedWhileStalled} between upload and commit) in {clock.Elapsed.TotalSeconds:F1} s; " +
            $"final version {final.Version}; vacuum removed {vacuum.Deleted.Count} unreferenced data files");
        Assert.True(vacuum.Deleted.Count >= killedWhileStalled, "each stalled writer left its uploaded files unreferenced");
    }

    private WriterChild StartWriter(string address, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "OfflineSafety.Ingest.WriterProcess.dll");
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (k, v) in azurite.Environment) info.Environment[k] = v;
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add(args[0]);
        info.ArgumentList.Add(address);
        foreach (var a in args.Skip(1)) info.ArgumentList.Add(a);
        return new WriterChild(info);
    }

    /// <summary>
    /// A writer process whose stdout and stderr are always drained (a full pipe would block the
    /// writer mid-append) and which is killed, with its tree, on dispose, so that no writer
    /// outlives its test whichever way the test ends.
    /// </summary>
    private sealed class WriterChild : IDisposable
    {
        private readonly Process _process;
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
        private readonly StringBuilder _stdout = new();
        private readonly StringBuilder _stderr = new();
        private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public WriterChild(ProcessStartInfo info)
        {
            _process = new Process { StartInfo = info };
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) { _lines.Writer.TryComplete(); _stdoutClosed.TrySetResult(); return; }
                lock (_stdout) _stdout.AppendLine(e.Data);
                _lines.Writer.TryWrite(e.Data);
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) { _stderrClosed.TrySetResult(); return; }
                lock (_stderr) _stderr.AppendLine(e.Data);
            };
            if (!_process.Start()) throw new InvalidOperationException("could not start the writer process");
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

        /// <summary>The next stdout line; null once the writer has closed stdout.</summary>
        public async Task<string?> ReadLineAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                return await _lines.Reader.WaitToReadAsync(cts.Token) && _lines.Reader.TryRead(out var line) ? line : null;
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"writer printed no line within {timeout.TotalSeconds:F0} s; stderr: {Stderr}");
            }
        }

        /// <summary>Waits for a clean exit and returns everything the writer printed on stdout.</summary>
        public async Task<string> FinishAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
                await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Kill();
                throw new TimeoutException($"writer did not exit within {timeout.TotalSeconds:F0} s; stderr: {Stderr}");
            }
            Assert.True(_process.ExitCode == 0, $"writer exited with {_process.ExitCode}: {Stderr}");
            lock (_stdout) return _stdout.ToString();
        }

        /// <summary>SIGKILL to the writer and anything it started; returns once it is gone.</summary>
        public void Kill()
        {
            try
            {
                if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the kill.
            }
            _process.WaitForExit(30_000);
        }

        public void Dispose()
        {
            try { Kill(); }
            finally { _process.Dispose(); }
        }
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";
}
