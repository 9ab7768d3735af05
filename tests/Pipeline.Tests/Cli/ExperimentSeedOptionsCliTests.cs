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

    [Theory]
    [InlineData("--seeds must be at least 1, got 0", "experiment", "critics", "--env", "navigation1", "--seeds", "0")]
    [InlineData("--seeds must be at least 1, got 0", "experiment", "transfer", "--seeds", "0")]
    [InlineData("--seeds must be at least 1, got 0", "experiment", "safer", "--quick", "--seeds", "0")]
    [InlineData("--seeds must be at least 1, got -1", "experiment", "dual-agent", "--seeds", "-1")]
    public async Task Every_experiment_refuses_a_seed_count_below_one_in_the_same_words(string expected, params string[] args) =>
        await OffsafeProcess.AssertRefusedInOneLineAsync(args, expected);

    // A command line that does not parse is one line too, naming the option, not a page of help.
    [Theory]
    [InlineData("Argument 'nope' not recognized. Must be one of: 'navigation1' 'navigation2'", "experiment", "mesa", "--env", "nope")]
    [InlineData("Option '--env' is required. ('offsafe experiment recovery --help' lists the options)", "experiment", "recovery", "--quick")]
    [InlineData("Cannot parse argument 'three' for option '--seeds'", "experiment", "critics", "--env", "navigation1", "--seeds", "three")]
    [InlineData("Unrecognized command or argument '--bogus'.", "experiment", "mesa", "--env", "navigation1", "--bogus")]
    public async Task A_command_line_that_does_not_parse_is_a_one_line_error(string expected, params string[] args) =>
        await OffsafeProcess.AssertRefusedInOneLineAsync(args, expected);
}
