using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace OfflineSafety.Interop.Tests.Peers;

/// <summary>
/// A real DuckDB, driven through tests/interop/duckdb.mjs on Node.js. Installs its npm
/// dependencies with `npm ci` on first use so a fresh clone passes without manual steps.
/// </summary>
public sealed class DuckDbPeer
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    public DuckDbPeer()
    {
        RepositoryRoot = FindRepositoryRoot(AppContext.BaseDirectory);
        InteropFolder = Path.Combine(RepositoryRoot, "tests", "interop");
        Script = Path.Combine(InteropFolder, "duckdb.mjs");
        EnsureInstalled();
    }

    public string RepositoryRoot { get; }
    public string InteropFolder { get; }
    public string Script { get; }

    /// <summary>Runs statements (COPY ... TO, CREATE ...) in one fresh in-memory database.</summary>
    public void Run(params string[] statements) => Execute(statements.Select(DuckDbStep.Run).ToArray());

    /// <summary>Runs <paramref name="setup"/> then returns the rows of <paramref name="sql"/>.</summary>
    public DuckDbResult Query(string sql, params string[] setup) =>
        Execute([.. setup.Select(DuckDbStep.Run), DuckDbStep.Query(sql)]).Single();

    /// <summary>Runs the steps in order in one database; one result per query step.</summary>
    public IReadOnlyList<DuckDbResult> Execute(IReadOnlyList<DuckDbStep> steps)
    {
        var request = new JsonObject
        {
            ["steps"] = new JsonArray(steps.Select(s => (JsonNode)new JsonObject { [s.IsQuery ? "query" : "run"] = s.Sql }).ToArray()),
        };
        var (exitCode, stdout, stderr) = RunProcess("node", [Script], InteropFolder, request.ToJsonString(), RunTimeout);
        JsonNode? response;
        try
        {
            response = JsonNode.Parse(stdout);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new InvalidOperationException($"duckdb.mjs printed no JSON (exit {exitCode}): {ex.Message}\n{stdout}\n{stderr}");
        }
        if (exitCode != 0 || response?["error"] is not null)
            throw new DuckDbException($"DuckDB failed: {response?["error"]?.GetValue<string>() ?? stderr}");
        return response!["results"]!.AsArray().Select(r => DuckDbResult.FromJson(r!.AsObject())).ToList();
    }

    private static string FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "tests", "interop", "package.json")))
                return dir.FullName;
        throw new InvalidOperationException($"no tests/interop/package.json above {start}: the DuckDB peer needs the repository checkout");
    }

    private void EnsureInstalled()
    {
        string marker = Path.Combine(InteropFolder, "node_modules", "@duckdb", "node-api", "package.json");
        if (File.Exists(marker)) return;
        // Test projects run in parallel processes; only one may run npm ci in the folder at a time.
        using var installLock = AcquireLock(Path.Combine(InteropFolder, ".npm-install.lock"));
        if (File.Exists(marker)) return;
        var (exitCode, stdout, stderr) = RunProcess("npm", ["ci", "--no-audit", "--no-fund"], InteropFolder, null, InstallTimeout);
        if (exitCode != 0 || !File.Exists(marker))
            throw new InvalidOperationException($"`npm ci` in {InteropFolder} failed (exit {exitCode}):\n{stdout}\n{stderr}");
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow + InstallTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250);
            }
        }
    }

    private static (int ExitCode, string Stdout, string Stderr) RunProcess(
        string program, IReadOnlyList<string> args, string workingDirectory, string? stdin, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(
                $"the DuckDB interop peer needs Node.js: `{program}` was not found on PATH ({ex.Message}); install Node.js 18+ and npm", ex);
        }
        using (process)
        {
            var stdoutTask = process.StandardOutput.ReadToEndAsync();
            var stderrTask = process.StandardError.ReadToEndAsync();
            if (stdin is not null) process.StandardInput.Write(stdin);
            process.StandardInput.Close();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout}");
            }
            return (process.ExitCode, stdoutTask.Result, stderrTask.Result);
        }
    }
}

public sealed class DuckDbException(string message) : Exception(message);

public sealed record DuckDbStep(string Sql, bool IsQuery)
{
    public static DuckDbStep Run(string sql) => new(sql, false);
    public static DuckDbStep Query(string sql) => new(sql, true);
}

/// <summary>One query's columns (name and DuckDB type tree) and rows, values encoded as duckdb.mjs documents.</summary>
public sealed record DuckDbResult(IReadOnlyList<DuckDbColumn> Columns, IReadOnlyList<JsonArray> Rows)
{
    public static DuckDbResult FromJson(JsonObject result) => new(
        result["columns"]!.AsArray().Select(c => new DuckDbColumn(c!["name"]!.GetValue<string>(), c["type"]!.AsObject())).ToList(),
        result["rows"]!.AsArray().Select(r => r!.AsArray()).ToList());

    public int ColumnIndex(string name)
    {
        for (int i = 0; i < Columns.Count; i++)
            if (Columns[i].Name == name) return i;
        throw new KeyNotFoundException($"no column {name} in DuckDB result ({string.Join(", ", Columns.Select(c => c.Name))})");
    }

    public IEnumerable<JsonNode?> Column(string name)
    {
        int i = ColumnIndex(name);
        return Rows.Select(r => r[i]);
    }
}

public sealed record DuckDbColumn(string Name, JsonObject Type);

[CollectionDefinition(Name)]
public sealed class DuckDbCollection : ICollectionFixture<DuckDbPeer>
{
    public const string Name = "DuckDB";
}
