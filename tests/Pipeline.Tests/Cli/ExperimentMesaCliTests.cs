namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>`experiment mesa`'s run-shaping options: bad values are refused up front, in one line.</summary>
public sealed class ExperimentMesaCliTests
{
    [Theory]
    [InlineData("--workers must be at least 1, got 0", "--workers", "0")]
    [InlineData("--seeds must be at least 1, got 0", "--seeds", "0")]
    [InlineData("--first-seed must be at least 0, got -1", "--first-seed", "-1")]
    public async Task A_bad_seed_or_worker_count_is_a_one_line_error_before_any_work(string expected, params string[] flags) =>
        await OffsafeProcess.AssertRefusedInOneLineAsync(["experiment", "mesa", "--env", "navigation1", "--quick", .. flags], expected);
}
