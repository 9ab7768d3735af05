using System.Globalization;
using OfflineSafety.Pipeline.Experiments;
using Spectre.Console;

namespace OfflineSafety.Pipeline.Cli.Output;

/// <summary>
/// An experiment's progress on stderr: a Spectre bar on a terminal; otherwise plain lines
/// (<see cref="PlainPhaseLines"/>), because Spectre's non-interactive fallback prints only at a few
/// milestones (25%, 50%, ...), which leaves the log of an hours-long run silent for most of an hour.
/// </summary>
internal static class PhaseDisplay
{
    /// <summary>How often, at most, a redirected stderr gets a line within one phase.</summary>
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(60);

    // Synchronous work under the asynchronous display: it completes before the display returns.
    public static T Run<T>(string title, Func<Action<ExperimentProgress>, T> work) =>
        RunAsync(title, progress => Task.FromResult(work(progress))).GetAwaiter().GetResult();

    public static async Task<T> RunAsync<T>(string title, Func<Action<ExperimentProgress>, Task<T>> work)
    {
        if (Console.IsErrorRedirected)
        {
            var lines = new PlainPhaseLines(Console.Error, title, TimeProvider.System, PlainInterval);
            var result = await work(lines.Report);
            lines.Finish();
            return result;
        }
        T bar = default!;
        await CliProgress.OnStderr(autoClear: false, CliProgress.Elapsed()).StartAsync(async ctx =>
        {
            var task = ctx.AddTask(Markup.Escape(title), maxValue: 1000);
            bar = await work(p => Show(task, title, p));
            task.Value = 1000;
        });
        return bar;
    }

    private static void Show(ProgressTask task, string title, ExperimentProgress p)
    {
        task.Value = Math.Round(p.Fraction * 1000);
        task.Description = Markup.Escape(PlainPhaseLines.Describe(title, p));
    }
}

/// <summary>
/// Progress as plain lines for a stderr that is no terminal (a log file, CI): a line the first time
/// each phase is reported, and otherwise at most one per <c>interval</c> while the fraction moves.
/// Seeds side by side alternate their phases, so "first time" is per phase, not "changed since the
/// last line", which would print a line per episode.
/// </summary>
internal sealed class PlainPhaseLines(TextWriter writer, string title, TimeProvider time, TimeSpan interval)
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _seen = [];
    private readonly long _start = time.GetTimestamp();
    private long _lastLine;
    private int _lastTenths = -1;

    public void Report(ExperimentProgress p)
    {
        lock (_lock)
        {
            long now = time.GetTimestamp();
            int tenths = (int)Math.Floor(p.Fraction * 1000);
            bool newPhase = _seen.Add(p.Phase);
            if (!newPhase && (tenths == _lastTenths || time.GetElapsedTime(_lastLine, now) < interval)) return;
            (_lastLine, _lastTenths) = (now, tenths);
            writer.WriteLine(Line(Describe(title, p), tenths, time.GetElapsedTime(_start, now)));
        }
    }

    /// <summary>The closing line, unless the work's own last report already said 100%.</summary>
    public void Finish()
    {
        lock (_lock)
            if (_lastTenths < 1000) writer.WriteLine(Line($"{title}: done", 1000, time.GetElapsedTime(_start)));
    }

    public static string Describe(string title, ExperimentProgress p) =>
        $"{title}: {p.Phase}{(p.Detail is null ? "" : $" ({p.Detail})")}{(p.Alongside is null ? "" : $" | {p.Alongside}")}";

    private static string Line(string description, int tenths, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"{description}  {tenths / 10.0:0.0}%  {(int)elapsed.TotalHours}:{elapsed.Minutes:00}:{elapsed.Seconds:00}");
}
