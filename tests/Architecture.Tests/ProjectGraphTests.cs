using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using OfflineSafety.Envs;
using OfflineSafety.Testing;

namespace OfflineSafety.Architecture.Tests;

/// <summary>
/// Dependencies point one way (docs/architecture.md). The allowed edges are listed here; a new
/// ProjectReference that is not on the list fails, so the picture and the code cannot drift apart.
/// </summary>
public sealed class ProjectGraphTests
{
    // Which shipped project may reference which. Lower layers first.
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Errors"] = [],
        ["Parquet"] = [],
        ["Storage"] = ["Errors"],
        ["Nn"] = [],
        ["Ingest"] = ["Errors", "Parquet", "Storage"],
        ["Envs"] = ["Errors", "Ingest", "Nn"],
        ["Meta"] = ["Errors", "Nn", "Ingest", "Storage", "Envs"],
        ["Pipeline"] = ["Errors", "Nn", "Ingest", "Storage", "Parquet", "Envs", "Meta", "Serve", "Serve.Client"],
        ["Serve"] = ["Errors", "Nn", "Ingest", "Storage", "Parquet", "Envs", "Meta"],
        // The client speaks HTTP to the service and never references its code.
        ["Serve.Client"] = ["Errors", "Ingest", "Meta"],
    };

    private static IReadOnlyList<(string From, string To)> Edges(string folder) =>
        Directory.EnumerateFiles(RepositoryRoot.Combine(folder), "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(p => XDocument.Load(p).Descendants("ProjectReference")
                .Select(r => (From: ProjectName(p), To: ProjectName(r.Attribute("Include")!.Value))))
            .ToList();

    // src/Meta/OfflineSafety.Meta.csproj -> "Meta"; bench/OfflineSafety.Bench.csproj -> "Bench".
    private static string ProjectName(string path) =>
        Path.GetFileNameWithoutExtension(path.Replace('\\', '/')).Replace("OfflineSafety.", "", StringComparison.Ordinal);

    [Fact]
    public void Every_shipped_project_references_only_the_layers_beneath_it()
    {
        var edges = Edges("src");
        Assert.NotEmpty(edges);
        foreach (var (from, to) in edges)
        {
            Assert.True(Allowed.ContainsKey(from), $"src project '{from}' is not in the layer table: add it here and to docs/architecture.md");
            Assert.True(Allowed[from].Contains(to), $"'{from}' may not reference '{to}' (docs/architecture.md)");
        }
    }

    [Fact]
    public void Nothing_references_the_cli_the_service_or_the_benchmarks()
    {
        foreach (string folder in new[] { "src", "bench", "tests" })
            foreach (var (from, to) in Edges(folder))
            {
                if (folder == "src") Assert.NotEqual("Bench", to);
                // Tests may run the CLI and the service; the CLI hosts the service; no other product code and no benchmark may.
                if (folder != "tests") Assert.False(to is "Pipeline", $"'{from}' references '{to}'");
                if (folder != "tests" && !(folder == "src" && from == "Pipeline")) Assert.False(to is "Serve", $"'{from}' references '{to}'");
            }
    }

    [Fact]
    public void The_registry_reaches_storage_through_the_storage_project_not_ingest()
    {
        Assert.Contains(("Meta", "Storage"), Edges("src"));
    }

    [Fact]
    public void Envs_produces_transitions_and_never_touches_a_store()
    {
        // The project may use Ingest's transition schema; the IL must name nothing of the dataset
        // store, the object stores or the Parquet codec.
        string assembly = typeof(EnvironmentRegistry).Assembly.Location;
        using var stream = File.OpenRead(assembly);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var referenced = reader.TypeReferences
            .Select(h => reader.GetTypeReference(h))
            .Select(t => reader.GetString(t.Namespace))
            .Where(ns => ns.StartsWith("OfflineSafety.", StringComparison.Ordinal))
            .Distinct()
            .ToList();
        Assert.Contains("OfflineSafety.Ingest.Transitions", referenced);
        string[] forbidden = ["OfflineSafety.Ingest.Datasets", "OfflineSafety.Storage", "OfflineSafety.Parquet"];
        Assert.DoesNotContain(referenced, ns => forbidden.Any(f => ns == f || ns.StartsWith(f + ".", StringComparison.Ordinal)));
    }
}
