namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>`experiment critics` reuses stored suites by name; one from another plan must be refused, not trained on.</summary>
public sealed class CriticsExperimentStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offsafe-critics-store-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }

    [Fact]
    public async Task A_stored_suite_with_another_test_variant_is_refused_with_a_one_line_reason()
    {
        // The quick plan's suite name and training draws (8 variants, suite seed 0), but the held-out
        // variant an earlier release would have stored instead of today's b1 = b2 = 2.0.
        var generated = await OffsafeProcess.RunAsync(null, ["generate", "--env", "navigation1", "--variants", "8", "--transitions", "300",
            "--test-variant", "b1=1,b2=1", "--test-transitions", "100", "--seed", "0", "--dataset", "critics-navigation1-quick-s0", "--store", _root],
            TimeSpan.FromMinutes(2));
        Assert.True(generated.ExitCode == 0, generated.Stderr);

        var run = await OffsafeProcess.RunAsync(null, ["experiment", "critics", "--env", "navigation1", "--seeds", "1", "--quick", "--store", _root],
            TimeSpan.FromMinutes(2));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout.Trim());
        string reason = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("critics-navigation1-quick-s0"));
        Assert.Contains("missing: b1=2.000,b2=2.000", reason);
        Assert.Contains("unexpected: b1=1.000,b2=1.000", reason);
        Assert.False(Directory.Exists(Path.Combine(_root, "runs")) && Directory.EnumerateFileSystemEntries(Path.Combine(_root, "runs")).Any(),
            "a refused run must not leave a report behind");
    }
}
