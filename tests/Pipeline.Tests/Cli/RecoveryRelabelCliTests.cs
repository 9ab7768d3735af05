using OfflineSafety.Errors;
using OfflineSafety.Meta.Online;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>`--recovery-relabel` (experiment mesa, online): the names parse, and bad values and misplaced uses are refused up front, in one line.</summary>
public sealed class RecoveryRelabelCliTests
{
    [Fact]
    public void The_names_parse_to_the_rules_and_back()
    {
        Assert.Equal(RecoveryRelabel.Proposal, RecoveryRelabels.Parse("proposal"));
        Assert.Equal(RecoveryRelabel.Executed, RecoveryRelabels.Parse("executed"));
        Assert.Equal(RecoveryRelabel.Drop, RecoveryRelabels.Parse("drop"));
        foreach (var name in RecoveryRelabels.Names) Assert.Equal(name, RecoveryRelabels.Name(RecoveryRelabels.Parse(name)));
        Assert.Equal("proposal", RecoveryRelabels.Name(new SafetySettings().RecoveryRelabel));
        Assert.Contains("--recovery-relabel", Assert.Throws<BadInputException>(() => RecoveryRelabels.Parse("none")).Message);
    }

    [Theory]
    [InlineData("--recovery-relabel must be one of proposal, executed, drop, got 'bogus'", "--recovery-relabel", "bogus")]
    // "executed" parses: the refusal is about the method list, not the value.
    [InlineData("--recovery-relabel executed needs a Recovery RL method", "--methods", "unconstrained", "--recovery-relabel", "executed")]
    public async Task Experiment_mesa_refuses_a_bad_recovery_relabel_in_one_line_before_any_work(string expected, params string[] flags)
    {
        await RecoveryFlagRefusals.ExperimentMesaAsync(expected, flags);
    }

    [Theory]
    [InlineData("--recovery-relabel must be one of proposal, executed, drop, got 'executd'", "recovery", "--recovery-relabel", "executd")]
    [InlineData("--recovery-relabel executed applies to --algo recovery only", "unconstrained", "--recovery-relabel", "executed")]
    [InlineData("--recovery-relabel drop applies to --algo recovery only", "sqrl", "--recovery-relabel", "drop")]
    public async Task Online_refuses_a_bad_recovery_relabel_in_one_line_before_any_work(string expected, string algo, params string[] flags)
    {
        await RecoveryFlagRefusals.OnlineAsync(expected, algo, flags);
    }
}
