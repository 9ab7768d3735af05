using OfflineSafety.Interop.Tests.Peers;

namespace OfflineSafety.Interop.Tests.Parquet;

/// <summary>
/// Every <see cref="DuckDbVarieties"/> file written once by DuckDB for the whole collection, with
/// DuckDB's own reading of its rows and of its footer (parquet_metadata), all in one Node process.
/// </summary>
public sealed class DuckDbWrittenFiles : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly Dictionary<string, (string Path, DuckDbResult Rows, DuckDbResult Metadata)> _files = [];

    public DuckDbWrittenFiles()
    {
        var duckDb = new DuckDbPeer();
        var steps = new List<DuckDbStep>();
        var paths = DuckDbVarieties.All.Select((v, i) => _folder.File($"variety{i}.parquet")).ToList();
        for (int i = 0; i < paths.Count; i++)
        {
            steps.Add(DuckDbStep.Run(DuckDbVarieties.All[i].CopyTo(paths[i])));
            steps.Add(DuckDbStep.Query($"SELECT * FROM '{paths[i]}'"));
            steps.Add(DuckDbStep.Query($"SELECT * FROM parquet_metadata('{paths[i]}') ORDER BY row_group_id, column_id"));
        }
        var results = duckDb.Execute(steps);
        for (int i = 0; i < paths.Count; i++)
            _files[DuckDbVarieties.All[i].Name] = (paths[i], results[2 * i], results[2 * i + 1]);
    }

    public string Path(string variety) => _files[variety].Path;
    public DuckDbResult Rows(string variety) => _files[variety].Rows;
    public DuckDbResult Metadata(string variety) => _files[variety].Metadata;

    public void Dispose() => _folder.Dispose();
}

[CollectionDefinition(Name)]
public sealed class DuckDbWrittenCollection : ICollectionFixture<DuckDbWrittenFiles>, ICollectionFixture<DuckDbPeer>
{
    public const string Name = "DuckDB-written files";
}
