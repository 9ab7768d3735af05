using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace OfflineSafety.Bench.Anchors;

/// <summary>DuckDB's figures on the same transition table (bench/scripts/parquet_anchor.mjs).</summary>
public sealed record DuckDbParquetFigures(double WriteSeconds, double ScanSeconds, long FileBytes, double? ReadOursSeconds, double? ProjectedScanSeconds = null);

/// <summary>Runs the DuckDB anchor script with the npm modules of tests/interop.</summary>
public sealed class DuckDbParquetAnchor(string repositoryRoot)
{
    /// <summary>The checkout holding the running build, else the one around the working directory.</summary>
    public static DuckDbParquetAnchor Locate()
    {
        try
        {
            return new(NodeRuntime.FindRepositoryRoot(AppContext.BaseDirectory));
        }
        catch (InvalidOperationException)
        {
            return new(NodeRuntime.FindRepositoryRoot(Environment.CurrentDirectory));
        }
    }

    /// <summary>
    /// Starts DuckDB with its table built and waiting: each <see cref="DuckDbParquetRounds.Next"/>
    /// runs one round, so the caller's rounds and DuckDB's alternate in the same machine state.
    /// </summary>
    public DuckDbParquetRounds Start(long rows, int threads, string file, string? readOurs, CancellationToken ct)
    {
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in Arguments(rows, threads, file, readOurs, stepped: true)) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"the DuckDB peer needs Node.js 18+ with npm: {ex.Message}", ex);
        }
        var rounds = new DuckDbParquetRounds(process, Script);
        try
        {
            rounds.ReadLine(ct); // {"ready":true}: the table is built
            return rounds;
        }
        catch
        {
            rounds.Dispose();
            throw;
        }
    }

    private string Script => Path.Combine(repositoryRoot, "bench", "scripts", "parquet_anchor.mjs");

    private List<string> Arguments(long rows, int threads, string file, string? readOurs, bool stepped)
    {
        NodeRuntime.EnsureInstalled(Path.Combine(repositoryRoot, "tests", "interop"), "@duckdb/node-api");
        var args = new List<string> { Script, "--rows", rows.ToString(), "--threads", threads.ToString(), "--file", file };
        if (readOurs is not null) args.AddRange(["--read", readOurs]);
        if (stepped) args.Add("--stepped");
        return args;
    }

    internal static DuckDbParquetFigures Figures(JsonElement root) => new(
        root.GetProperty("write_s").GetDouble(),
        root.GetProperty("scan_s").GetDouble(),
        root.GetProperty("file_bytes").GetInt64(),
        root.TryGetProperty("read_other_s", out var other) ? other.GetDouble() : null,
        root.TryGetProperty("projected_scan_s", out var projected) ? projected.GetDouble() : null);
}

/// <summary>A DuckDB anchor process that runs one round of write, scan and projected scan per request.</summary>
public sealed class DuckDbParquetRounds : IDisposable
{
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromMinutes(10);
    private readonly Process _process;
    private readonly string _script;
    private readonly System.Text.StringBuilder _stderr = new();

    internal DuckDbParquetRounds(Process process, string script)
    {
        _process = process;
        _script = script;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr) _stderr.AppendLine(e.Data);
        };
        _process.BeginErrorReadLine();
    }

    public DuckDbParquetFigures Next(CancellationToken ct)
    {
        _process.StandardInput.WriteLine("round");
        _process.StandardInput.Flush();
        using var json = JsonDocument.Parse(ReadLine(ct));
        return DuckDbParquetAnchor.Figures(json.RootElement);
    }

    internal string ReadLine(CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(RoundTimeout);
        string? line;
        try
        {
            line = _process.StandardOutput.ReadLineAsync(deadline.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            ct.ThrowIfCancellationRequested();
            throw new TimeoutException($"{_script} gave no answer within {RoundTimeout}");
        }
        if (line is null)
        {
            _process.WaitForExit();
            string stderr;
            lock (_stderr) stderr = _stderr.ToString().Trim();
            throw new InvalidOperationException($"{_script} failed (exit {_process.ExitCode}): {stderr}");
        }
        return line;
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10))) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // The process already ended.
        }
        _process.Dispose();
    }
}
