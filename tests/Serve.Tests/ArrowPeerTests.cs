using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using OfflineSafety.Testing;

namespace OfflineSafety.Serve.Tests;

/// <summary>
/// The rows endpoint's Arrow IPC stream read by an independent implementation, Apache Arrow JS
/// (npm apache-arrow, the library Arrow users in JavaScript read with): every field of every row
/// must equal what the JSONL form of the same version says.
/// </summary>
public sealed class ArrowPeerTests
{
    [Fact]
    public async Task Apache_arrow_js_reads_every_row_of_a_version_with_the_values_jsonl_gives()
    {
        string script = Path.Combine(InteropPackages.Folder, "arrow.mjs");
        InteropPackages.EnsureInstalled(Path.Combine(InteropPackages.Folder, "node_modules", "apache-arrow", "package.json"));
        await using var host = await ServeHost.StartAsync();
        await host.UploadAsync("acc", "accidents.csv", "text/csv", "env=navigation1&variant=test&source=robot-7");
        await host.UploadAsync("acc", "accidents.jsonl", "application/x-ndjson", "variant=other");

        using var folder = new TempDirectory();
        string streamFile = Path.Combine(folder.Path, "rows.arrows");
        string outFile = Path.Combine(folder.Path, "rows.json");
        var arrow = await host.Client.GetAsync("/v1/datasets/acc@2/rows");
        arrow.EnsureSuccessStatusCode();
        await using (var file = File.Create(streamFile))
            await arrow.Content.CopyToAsync(file);
        var run = ProcessRunner.Run("node", [script, streamFile, outFile], TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, $"apache-arrow could not read the stream: {run.Output}");
        var peer = JsonDocument.Parse(File.ReadAllText(outFile)).RootElement;

        var fields = peer.GetProperty("fields").EnumerateArray().Select(f => (f.GetProperty("name").GetString(), f.GetProperty("type").GetString())).ToList();
        Assert.Contains(("obs", "FixedSizeList[2]<Float32>"), fields);
        Assert.Contains(("episode_id", "Int64"), fields);

        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/datasets/acc@2/rows");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));
        var jsonl = await (await host.Client.SendAsync(request)).Content.ReadAsStringAsync();
        var expected = jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var rows = peer.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(186, expected.Count);
        Assert.Equal(expected.Count, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            var (got, want) = (rows[i], expected[i]);
            Assert.Equal(want.GetProperty("episode_id").GetInt64().ToString(CultureInfo.InvariantCulture), got.GetProperty("episode_id").GetString());
            Assert.Equal(want.GetProperty("step").GetInt32(), got.GetProperty("step").GetInt32());
            foreach (var name in new[] { "variant", "source" })
                Assert.Equal(want.GetProperty(name).GetString(), got.GetProperty(name).GetString());
            foreach (var name in new[] { "obs", "action", "next_obs" })
                Assert.Equal(want.GetProperty(name).EnumerateArray().Select(v => v.GetSingle()), got.GetProperty(name).EnumerateArray().Select(v => (float)v.GetDouble()));
            foreach (var name in new[] { "reward", "cost" })
                Assert.Equal(want.GetProperty(name).GetSingle(), (float)got.GetProperty(name).GetDouble());
            foreach (var name in new[] { "unsafe", "terminal", "truncated" })
                Assert.Equal(want.GetProperty(name).GetBoolean(), got.GetProperty(name).GetBoolean());
        }
        Assert.Equal(2, rows.Select(r => r.GetProperty("variant").GetString()).Distinct().Count());
    }
}
