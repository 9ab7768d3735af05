using System.Diagnostics;
using System.Text.Json;

namespace OfflineSafety.Pipeline.Tests.Online;

/// <summary>`offsafe demo --quick` and `offsafe online` as real child processes on a fresh store.</summary>
public sealed class DemoCommandTests : IDisposable
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "offsafe-demo-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_store)) Directory.Delete(_store, recursive: true);
    }

    private (int Code, string Stdout, string Stderr) Offsafe(params string[] args)
    {
        var r = Cli.OffsafeProcess.Run([.. args, "--store", _store]);
        return (r.ExitCode, r.Stdout, r.Stderr);
    }

    [Fact]
    public void Demo_quick_runs_every_phase_and_writes_a_report()
    {
        var (code, stdout, stderr) = Offsafe("demo", "--quick", "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        var methods = root.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("method").GetString()!).ToArray();
        Assert.Equal(["recovery", "unconstrained"], methods);
        Assert.Equal("demo-suite@1", root.GetProperty("dataset").GetString());
        Assert.Equal("demo-mesa-adapted@1", root.GetProperty("model").GetString());
        Assert.Equal("demo-online@1", root.GetProperty("onlineDataset").GetString());
        string report = root.GetProperty("report").GetString()!;
        Assert.StartsWith(Path.Combine(_store, "runs"), report);
        Assert.Contains("| recovery |", File.ReadAllText(report));
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(report)!, "cumulative-violations.svg")));
        Assert.True(Directory.Exists(Path.Combine(_store, "models", "demo-mesa-adapted", "1")));
    }

    [Fact]
    public void A_rerun_in_a_used_store_replaces_the_demo_datasets_and_repeats_the_results()
    {
        var (code1, first, err1) = Offsafe("demo", "--quick", "--json");
        Assert.True(code1 == 0, err1);
        var (code2, second, err2) = Offsafe("demo", "--quick", "--json");
        Assert.True(code2 == 0, err2);
        using var a = JsonDocument.Parse(first);
        using var b = JsonDocument.Parse(second);
        Assert.Equal(a.RootElement.GetProperty("results").GetRawText(), b.RootElement.GetProperty("results").GetRawText());
        Assert.Equal("demo-suite@2", b.RootElement.GetProperty("dataset").GetString());
        Assert.Equal("demo-online@2", b.RootElement.GetProperty("onlineDataset").GetString());

        // The second version holds only the second run's rows; the first is still there by version.
        long Rows(string reference)
        {
            var (c, o, e) = Offsafe("datasets", "show", reference, "--json");
            Assert.True(c == 0, e);
            using var d = JsonDocument.Parse(o);
            return d.RootElement.GetProperty("total").GetProperty("rows").GetInt64();
        }
        Assert.Equal(Rows("demo-suite@1"), Rows("demo-suite@2"));
        Assert.Equal(Rows("demo-online@1"), Rows("demo-online@2"));
    }

    [Fact]
    public void Online_records_its_transitions_as_a_dataset_version_and_rejects_an_unknown_algorithm()
    {
        var (code, stdout, stderr) = Offsafe("online", "--env", "navigation2", "--algo", "lr", "--episodes", "2", "--seed", "1",
            "--offline-transitions", "200", "--pretrain-steps", "20", "--hidden", "16,16", "--batch-size", "16", "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var result = doc.RootElement.GetProperty("results")[0];
        Assert.Equal("lr", result.GetProperty("method").GetString());
        Assert.Equal("online-navigation2@1", doc.RootElement.GetProperty("dataset").GetString());

        var (showCode, showOut, showErr) = Offsafe("datasets", "show", "online-navigation2", "--json");
        Assert.True(showCode == 0, showErr);
        Assert.Contains(doc.RootElement.GetProperty("steps").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), showOut);

        var (bad, _, badErr) = Offsafe("online", "--env", "navigation1", "--algo", "cpo", "--episodes", "1");
        Assert.NotEqual(0, bad);
        Assert.Contains("cpo", badErr);
    }
}
