namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>`experiment mesa --recovery-bc`: refused up front, in one line, where it cannot run.</summary>
public sealed class RecoveryCloningCliTests
{
    [Theory]
    [InlineData("--recovery-bc must be a positive number, got 0", "--recovery-bc", "0", "--restart-labels", "8")]
    [InlineData("--recovery-bc must be a positive number, got -0.5", "--recovery-bc", "-0.5", "--restart-labels", "8")]
    [InlineData("--recovery-bc needs --restart-labels N (N > 0)", "--recovery-bc", "1")]
    public async Task A_bad_recovery_bc_is_a_one_line_error_before_any_work(string expected, params string[] flags)
    {
        var run = await OffsafeProcess.RunAsync(null, ["experiment", "mesa", "--env", "halfcheetah-disabled", "--quick", "--seeds", "1", .. flags],
            TimeSpan.FromMinutes(1));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout.Trim());
        string line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
    }
}
