using OfflineSafety.Errors;
using OfflineSafety.Meta.Online;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>`--recovery-penalty` (experiment mesa, online): values parse, and bad values and misplaced uses are refused up front, in one line.</summary>
public sealed class RecoveryPenaltyCliTests
{
    [Fact]
    public void Finite_values_at_least_zero_parse_and_the_default_is_the_papers()
    {
        Assert.Equal(0f, SafetySettings.ParseRecoveryPenalty("0"));
        Assert.Equal(1.5f, SafetySettings.ParseRecoveryPenalty("1.5"));
        Assert.Equal(5f, SafetySettings.ParseRecoveryPenalty("5"));
        Assert.Equal(0f, new SafetySettings().RecoveryPenalty);
        foreach (var bad in new[] { "-1", "NaN", "Infinity", "abc", "" })
            Assert.StartsWith("--recovery-penalty must be a finite number at least 0", Assert.Throws<BadInputException>(() => SafetySettings.ParseRecoveryPenalty(bad)).Message);
    }

    [Theory]
    [InlineData("--recovery-penalty must be a finite number at least 0, got -1", "--recovery-penalty", "-1")]
    [InlineData("--recovery-penalty must be a finite number at least 0, got 'abc'", "--recovery-penalty", "abc")]
    [InlineData("--recovery-penalty must be a finite number at least 0, got NaN", "--recovery-penalty", "NaN")]
    [InlineData("--recovery-penalty needs a Recovery RL method", "--methods", "unconstrained", "--recovery-penalty", "1")]
    public async Task Experiment_mesa_refuses_a_bad_recovery_penalty_in_one_line_before_any_work(string expected, params string[] flags)
    {
        await RecoveryFlagRefusals.ExperimentMesaAsync(expected, flags);
    }

    [Theory]
    [InlineData("--recovery-penalty must be a finite number at least 0, got Infinity", "recovery", "--recovery-penalty", "Infinity")]
    [InlineData("--recovery-penalty applies to --algo recovery only, not unconstrained", "unconstrained", "--recovery-penalty", "1")]
    [InlineData("--recovery-penalty applies to --algo recovery only, not sqrl", "sqrl", "--recovery-penalty", "0.5")]
    public async Task Online_refuses_a_bad_recovery_penalty_in_one_line_before_any_work(string expected, string algo, params string[] flags)
    {
        await RecoveryFlagRefusals.OnlineAsync(expected, algo, flags);
    }
}
