using System.Text.Json.Nodes;
using OfflineSafety.Bench.Anchors;

namespace OfflineSafety.Interop.Tests.Peers;

/// <summary>
/// A real DuckDB, driven through tests/interop/duckdb.mjs on Node.js. Installs its npm
/// dependencies with `npm ci` on first use so a fresh clone passes without manual steps.
/// </summary>
public sealed class DuckDbPeer
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    public DuckDbPeer()
    {
        RepositoryRoot = NodeRuntime.FindRepositoryRoot(AppContext.BaseDirectory);
        InteropFolder = Path.Combine(RepositoryRoot, "tests", "interop");
        Script = Path.Combine(InteropFolder, "duckdb.mjs");
        NodeRuntime.EnsureInstalled(InteropFolder, "@duckdb/node-api");
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
        var (exitCode, stdout, stderr) = NodeRuntime.Run("node", [Script], InteropFolder, request.ToJsonString(), RunTimeout, CancellationToken.None);
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
