namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>`--recovery-objective margin` (experiment mesa, online): unsupported uses are refused up front, in one line.</summary>
public sealed class RecoveryObjectiveCliTests
{
    [Theory]
    [InlineData("--recovery-objective margin needs the constraint's margin, which navigation1 does not declare", "navigation1")]
    [InlineData("--recovery-objective margin needs a Recovery RL method", "halfcheetah-disabled", "--methods", "unconstrained")]
    [InlineData("--recovery-gamma (a longer-horizon risk objective) cannot be combined", "halfcheetah-disabled", "--recovery-gamma", "0.95")]
    [InlineData("does not support --recovery-bc", "halfcheetah-disabled", "--recovery-bc", "1", "--restart-labels", "2")]
    public async Task Experiment_mesa_refuses_unsupported_margin_uses_in_one_line_before_any_work(string expected, string env, params string[] flags)
    {
        await OffsafeProcess.AssertRefusedInOneLineAsync(["experiment", "mesa", "--env", env, "--quick", "--seeds", "1", "--recovery-objective", "margin", .. flags], expected);
    }

    [Theory]
    [InlineData("--recovery-pretrain-steps applies to --recovery-objective margin only", "--recovery-pretrain-steps", "100")]
    [InlineData("--recovery-freeze applies to --recovery-objective margin only", "--recovery-freeze")]
    [InlineData("--recovery-pretrain-steps must be at least 0", "--recovery-objective", "margin", "--recovery-pretrain-steps", "-1")]
    public async Task Experiment_mesa_refuses_margin_only_flags_without_it_in_one_line(string expected, params string[] flags)
    {
        await RecoveryFlagRefusals.ExperimentMesaAsync(expected, flags);
    }

    [Theory]
    [InlineData("--recovery-objective margin applies to --algo recovery only", "halfcheetah-disabled", "sqrl")]
    [InlineData("--recovery-objective margin needs the constraint's margin, which navigation1 does not declare", "navigation1", "recovery")]
    [InlineData("--recovery-objective margin trains a model-free recovery agent", "halfcheetah-disabled", "recovery", "--recovery", "model-based")]
    public async Task Online_refuses_unsupported_margin_uses_in_one_line_before_any_work(string expected, string env, string algo, params string[] flags)
    {
        await OffsafeProcess.AssertRefusedInOneLineAsync(["online", "--env", env, "--algo", algo, "--episodes", "1", "--no-record", "--recovery-objective", "margin", .. flags], expected);
    }
}
