using System.Text.Json;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>`experiment critics` reports the boosted-tree reference beside the three critics.</summary>
public sealed class CriticsExperimentReferenceTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offsafe-critics-reference-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }

    [Fact]
    public async Task The_gbm_reference_is_scored_on_the_held_out_rows_at_every_step_count()
    {
        var run = await OffsafeProcess.RunAsync(null, ["experiment", "critics", "--env", "navigation1", "--seeds", "1", "--quick",
            "--mesa-iterations", "5", "--baseline-steps", "20", "--steps", "2", "--store", _root, "--json"], TimeSpan.FromMinutes(4));

        Assert.True(run.ExitCode == 0, run.Stderr);
        var results = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("results").EnumerateArray().ToArray();
        var gbm = results.Where(r => r.GetProperty("method").GetString() == "gbm").ToArray();
        var steps = results.Where(r => r.GetProperty("method").GetString() == "mesa").Select(r => r.GetProperty("steps").GetInt32()).Order().ToArray();
        Assert.Equal(steps, gbm.Select(r => r.GetProperty("steps").GetInt32()).Order().ToArray());
        // The classifier is fitted once per seed, so every step count carries the same score.
        Assert.Single(gbm.Select(r => r.GetProperty("auc").GetDouble()).Distinct());
        Assert.True(gbm[0].GetProperty("auc").GetDouble() > 0.7, $"gbm AUC {gbm[0].GetProperty("auc").GetDouble()}");
        double brier = gbm[0].GetProperty("brier").GetDouble();
        Assert.InRange(brier, 0.0, 0.25);
    }
}
