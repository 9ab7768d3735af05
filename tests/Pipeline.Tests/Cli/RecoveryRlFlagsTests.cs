using OfflineSafety.Meta.Online;
using OfflineSafety.Pipeline.Cli;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>A report's `Reproduce:` command spells the recovery flags in one order, which `experiment combine` compares across reports.</summary>
public sealed class RecoveryRlFlagsTests
{
    [Fact]
    public void Every_change_is_spelled_in_the_order_reports_have_always_written()
    {
        var all = new RecoveryRlVariation
        {
            Hold = 4, Gamma = 0.95f, Objective = RecoveryObjective.Margin, MarginPretrainSteps = 100, MarginFrozen = true,
            Relabel = RecoveryRelabel.Drop, Penalty = 0.25f,
        };
        Assert.Equal(" --recovery-hold 4 --recovery-gamma 0.95 --recovery-objective margin --recovery-pretrain-steps 100 --recovery-freeze"
            + " --recovery-relabel drop --recovery-penalty 0.25", RecoveryRlOptions.Flags(all));
        Assert.Equal("", RecoveryRlOptions.Flags(RecoveryRlVariation.Paper));
    }
}
