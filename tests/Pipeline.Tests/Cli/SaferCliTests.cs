using System.Text.Json;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>`experiment safer` end to end at a seconds-long budget, and `online --algo safer --prior NAME` against a fitted prior.</summary>
public sealed class SaferCliTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offsafe-safer-cli-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }

    [Fact]
    public async Task Experiment_safer_writes_table_one_and_its_figures_into_the_store()
    {
        var run = await OffsafeProcess.RunAsync(null, ["experiment", "safer", "--quick", "--seeds", "1", "--episodes", "2", "--prior-steps", "5",
            "--transitions", "100", "--tasks", "1", "--calibration-episodes", "1", "--json", "--store", _root], TimeSpan.FromMinutes(3));
        Assert.True(run.ExitCode == 0, run.Stderr);

        using var json = JsonDocument.Parse(run.Stdout);
        var result = json.RootElement.GetProperty("result");
        Assert.Equal("offsafe experiment safer --seeds 1 --quick --episodes 2 --prior-steps 5 --transitions 100 --tasks 1 --calibration-episodes 1",
            result.GetProperty("command").GetString());
        var table = result.GetProperty("table").EnumerateArray().ToList();
        Assert.Equal(["task 1", "mean"], table.Select(r => r.GetProperty("task").GetString()));
        Assert.Equal(["sac", "parrot", "context-parrot", "safer"], table[0].GetProperty("methods").EnumerateArray().Select(m => m.GetProperty("method").GetString()));
        Assert.Equal(4, result.GetProperty("runs").GetArrayLength());
        Assert.Equal(3 * 6, result.GetProperty("calibration").GetArrayLength());

        string folder = Path.GetDirectoryName(json.RootElement.GetProperty("report").GetString())!;
        string readme = await File.ReadAllTextAsync(Path.Combine(folder, "README.md"));
        Assert.Contains("**Success rate (%)**", readme);
        Assert.Contains("**Total violations (out of 2 episodes)**", readme);
        Assert.Contains("Direction of Table 1", readme);
        string calibration = await File.ReadAllTextAsync(Path.Combine(folder, "calibration.svg"));
        Assert.Contains("diagonal", calibration);
        Assert.Contains("safer", calibration);
        foreach (var figure in new[] { "success-rate.svg", "cumulative-violations.svg" })
            Assert.StartsWith("<svg", await File.ReadAllTextAsync(Path.Combine(folder, figure)));
    }

    [Fact]
    public async Task Online_safer_acts_through_a_registry_prior_and_refuses_to_run_without_one()
    {
        var missing = await OffsafeProcess.RunAsync(null, ["online", "--env", "extraction", "--algo", "safer", "--episodes", "1", "--store", _root], TimeSpan.FromMinutes(1));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("--prior", Assert.Single(missing.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        var generated = await OffsafeProcess.RunAsync(null, ["generate", "--env", "extraction", "--variants", "3", "--transitions", "400",
            "--test-transitions", "60", "--seed", "2", "--dataset", "extraction-small", "--store", _root], TimeSpan.FromMinutes(1));
        Assert.True(generated.ExitCode == 0, generated.Stderr);
        var fitted = await OffsafeProcess.RunAsync(null, ["fit-prior", "--dataset", "extraction-small", "--model", "extraction-prior", "--steps", "5",
            "--window", "4", "--store", _root], TimeSpan.FromMinutes(1));
        Assert.True(fitted.ExitCode == 0, fitted.Stderr);

        var online = await OffsafeProcess.RunAsync(null, ["online", "--env", "extraction", "--algo", "safer", "--prior", "extraction-prior",
            "--episodes", "2", "--hidden", "8", "--batch-size", "8", "--no-record", "--json", "--store", _root], TimeSpan.FromMinutes(1));
        Assert.True(online.ExitCode == 0, online.Stderr);
        using var json = JsonDocument.Parse(online.Stdout);
        Assert.Equal(2, json.RootElement.GetProperty("episodes").GetInt32());
        Assert.StartsWith("extraction-prior@", json.RootElement.GetProperty("critic").GetString());
    }
}
