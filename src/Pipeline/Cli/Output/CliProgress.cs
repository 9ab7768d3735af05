using Spectre.Console;

namespace OfflineSafety.Pipeline.Cli.Output;

/// <summary>
/// Progress bars on stderr, so stdout stays one table or one JSON object. When stderr is not a
/// terminal the console is non-interactive and Spectre prints plain status lines instead of redrawing.
/// </summary>
public static class CliProgress
{
    /// <summary>Description, bar, percentage and elapsed time.</summary>
    public static ProgressColumn[] Elapsed() =>
        [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn()];

    /// <summary>Description, bar, percentage, elapsed and remaining time.</summary>
    public static ProgressColumn[] ElapsedAndRemaining() =>
        [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn()];

    /// <summary>A progress display on stderr; <paramref name="columns"/> null keeps Spectre's default columns.</summary>
    public static Progress OnStderr(bool autoClear, ProgressColumn[]? columns = null)
    {
        var progress = CliOutput.Stderr().Progress().AutoClear(autoClear);
        return columns is null ? progress : progress.Columns(columns);
    }
}
