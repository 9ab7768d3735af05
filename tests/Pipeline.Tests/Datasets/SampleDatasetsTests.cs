using System.Text.Json;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Pipeline.Tests.Cli;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Pipeline.Tests.Datasets;

/// <summary>
/// The sample logs in datasets/ ingest as their READMEs say, and the same accident log in CSV,
/// JSON Lines and Parquet gives the same rows.
/// </summary>
public sealed class SampleDatasetsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Sample(string folder, string file) => RepositoryRoot.Combine("datasets", folder, file);

    private async Task<JsonElement> IngestAsync(string dataset, params string[] extra)
    {
        var r = await OffsafeProcess.RunAsync(_dir.Path, ["ingest", .. extra, "--dataset", dataset, "--create", "--env", "navigation1",
            "--variant", "b1=2.0,b2=2.0", "--store", "st", "--json"], TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    [Fact]
    public async Task The_accident_log_gives_the_same_rows_in_csv_jsonl_and_parquet()
    {
        var csv = await IngestAsync("csv", Sample("navigation1-accidents", "accidents.csv"), "--source", "robot-7");
        var jsonl = await IngestAsync("jsonl", Sample("navigation1-accidents", "accidents.jsonl"), "--source", "robot-7");
        var parquet = await IngestAsync("parquet", Sample("navigation1-accidents", "accidents.parquet"));

        foreach (var r in new[] { csv, jsonl, parquet })
        {
            Assert.Equal(93, r.GetProperty("rows").GetInt64());
            Assert.Equal(14, r.GetProperty("episodes").GetInt32());
            Assert.Equal(7, r.GetProperty("unsafe").GetInt64());
        }
        // The text logs lack truncation flags and next observations: the README's notes are what a user sees.
        Assert.Contains("dropped 7 non-terminal rows at an episode's end with no following observation (next_obs unknown)",
            csv.GetProperty("notes").EnumerateArray().Select(n => n.GetString()));

        var store = new DatasetStore(new LocalObjectStore(Path.Combine(_dir.Path, "st")));
        var fromCsv = await store.ReadAsync(DatasetReference.Parse("csv"));
        foreach (string name in new[] { "jsonl", "parquet" })
        {
            var other = await store.ReadAsync(DatasetReference.Parse(name));
            Assert.Equal(fromCsv.Obs.ToArray(), other.Obs.ToArray());
            Assert.Equal(fromCsv.Action.ToArray(), other.Action.ToArray());
            Assert.Equal(fromCsv.NextObs.ToArray(), other.NextObs.ToArray());
            Assert.Equal(fromCsv.Cost.ToArray(), other.Cost.ToArray());
            Assert.Equal(fromCsv.Unsafe.ToArray(), other.Unsafe.ToArray());
            Assert.Equal(fromCsv.Terminal.ToArray(), other.Terminal.ToArray());
            Assert.Equal(fromCsv.EpisodeId.ToArray(), other.EpisodeId.ToArray());
        }
    }

    [Fact]
    public async Task The_d4rl_layout_ingests_with_the_d4rl_preset_and_keeps_every_row()
    {
        var r = await IngestAsync("d4rl", Sample("navigation1-d4rl", "navigation1-d4rl.csv"), "--map", "d4rl");
        Assert.Equal(100, r.GetProperty("rows").GetInt64());
        Assert.Equal(14, r.GetProperty("episodes").GetInt32());
        Assert.Equal(7, r.GetProperty("unsafe").GetInt64());
    }
}
