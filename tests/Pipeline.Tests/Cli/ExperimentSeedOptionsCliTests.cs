namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>The multi-seed experiments' seed and worker options: bad values are refused up front, in one line.</summary>
public sealed class ExperimentSeedOptionsCliTests
{
    [Theory]
    [InlineData("mesa", "--workers must be at least 1, got 0", "--workers", "0")]
    [InlineData("mesa", "--seeds must be at least 1, got 0", "--seeds", "0")]
    [InlineData("mesa", "--first-seed must be at least 0, got -1", "--first-seed", "-1")]
    [InlineData("recovery", "--workers must be at least 1, got -2", "--workers", "-2")]
    public async Task A_bad_seed_or_worker_count_is_a_one_line_error_before_any_work(string experiment, string expected, params string[] flags) =>
        await OffsafeProcess.AssertRefusedInOneLineAsync(["experiment", experiment, "--env", "navigation1", "--quick", .. flags], expected);
}
