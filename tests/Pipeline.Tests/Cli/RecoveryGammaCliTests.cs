namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>`--recovery-gamma` (experiment mesa, online) and `online --recovery-hold`: bad values and misplaced flags are refused up front, in one line.</summary>
public sealed class RecoveryGammaCliTests
{
    [Theory]
    [InlineData("--recovery-gamma must be in (0, 1)", "--recovery-gamma", "1")]
    [InlineData("--recovery-gamma must be in (0, 1)", "--recovery-gamma", "0")]
    [InlineData("--recovery-gamma must be in (0, 1)", "--recovery-gamma", "-0.5")]
    [InlineData("--recovery-gamma needs a Recovery RL method", "--methods", "unconstrained", "--recovery-gamma", "0.95")]
    public async Task Experiment_mesa_refuses_a_bad_recovery_gamma_in_one_line_before_any_work(string expected, params string[] flags)
    {
        await RecoveryFlagRefusals.ExperimentMesaAsync(expected, flags);
    }

    [Theory]
    [InlineData("--recovery-gamma must be in (0, 1)", "recovery", "--recovery-gamma", "1.5")]
    [InlineData("--recovery-gamma applies to --algo recovery only", "unconstrained", "--recovery-gamma", "0.95")]
    [InlineData("--recovery-gamma trains the model-free recovery policy's objective", "recovery", "--recovery", "model-based", "--recovery-gamma", "0.95")]
    [InlineData("--recovery-hold must be at least 1", "recovery", "--recovery-hold", "0")]
    [InlineData("--recovery-hold applies to --algo recovery only", "sqrl", "--recovery-hold", "5")]
    public async Task Online_refuses_bad_recovery_flags_in_one_line_before_any_work(string expected, string algo, params string[] flags)
    {
        await RecoveryFlagRefusals.OnlineAsync(expected, algo, flags);
    }
}
