using OfflineSafety.Errors;
using OfflineSafety.Meta.Online;

namespace OfflineSafety.Meta.Tests.Online;

public sealed class RecoveryRlVariationTests
{
    [Fact]
    public void The_paper_variation_changes_nothing_and_names_no_flag()
    {
        var safety = SafetySettings.For("ant-disabled");
        Assert.Equal(safety, RecoveryRlVariation.Paper.ApplyTo(safety));
        Assert.Null(RecoveryRlVariation.Paper.FirstChangedFlag());
    }

    [Fact]
    public void Each_change_reaches_the_safety_settings_and_the_rest_is_kept()
    {
        var safety = SafetySettings.For("halfcheetah-disabled");
        var applied = new RecoveryRlVariation
        {
            Hold = 3, Gamma = 0.95f, Objective = RecoveryObjective.Margin, MarginPretrainSteps = 7, MarginFrozen = true,
            Relabel = RecoveryRelabel.Executed, Penalty = 0.5f,
        }.ApplyTo(safety);
        Assert.Equal(safety with
        {
            RecoveryHold = 3, RecoveryGamma = 0.95f, RecoveryObjective = RecoveryObjective.Margin, RecoveryMarginPretrainSteps = 7,
            RecoveryMarginFrozen = true, RecoveryRelabel = RecoveryRelabel.Executed, RecoveryPenalty = 0.5f,
        }, applied);
    }

    [Theory]
    [InlineData("hold", "--recovery-hold must be at least 1")]
    [InlineData("gamma", "--recovery-gamma must be in (0, 1)")]
    [InlineData("penalty", "--recovery-penalty must be a finite number at least 0")]
    [InlineData("pretrain", "--recovery-pretrain-steps applies to --recovery-objective margin only")]
    [InlineData("freeze", "--recovery-freeze applies to --recovery-objective margin only")]
    [InlineData("negative pretrain", "--recovery-pretrain-steps must be at least 0")]
    public void A_bad_value_is_refused_in_one_line_naming_its_flag(string what, string message)
    {
        var variation = what switch
        {
            "hold" => new RecoveryRlVariation { Hold = 0 },
            "gamma" => new RecoveryRlVariation { Gamma = 1f },
            "penalty" => new RecoveryRlVariation { Penalty = float.NaN },
            "pretrain" => new RecoveryRlVariation { MarginPretrainSteps = 5 },
            "freeze" => new RecoveryRlVariation { MarginFrozen = true },
            _ => new RecoveryRlVariation { Objective = RecoveryObjective.Margin, MarginPretrainSteps = -1 },
        };
        var e = Assert.Throws<BadInputException>(() => variation.ApplyTo(new SafetySettings()));
        Assert.StartsWith(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_first_changed_flag_names_the_change()
    {
        Assert.Equal("--recovery-relabel executed", new RecoveryRlVariation { Relabel = RecoveryRelabel.Executed }.FirstChangedFlag());
        Assert.Equal("--recovery-objective margin", new RecoveryRlVariation { Objective = RecoveryObjective.Margin }.FirstChangedFlag());
        Assert.Equal("--recovery-penalty", new RecoveryRlVariation { Penalty = 1 }.FirstChangedFlag());
        Assert.Equal("--recovery-hold", new RecoveryRlVariation { Hold = 2 }.FirstChangedFlag());
    }
}
