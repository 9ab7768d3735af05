namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>`experiment mesa --recovery-hold`: a bad value is refused up front, in one line naming the flag.</summary>
public sealed class RecoveryHoldCliTests
{
    [Theory]
    [InlineData("--recovery-hold must be at least 1", "0")]
    [InlineData("--recovery-hold must be at least 1", "-2")]
    [InlineData("'--recovery-hold'", "2.5")]
    public async Task A_bad_recovery_hold_is_a_one_line_error_before_any_work(string expected, string value)
    {
        await RecoveryFlagRefusals.ExperimentMesaAsync(expected, "--recovery-hold", value);
    }
}
