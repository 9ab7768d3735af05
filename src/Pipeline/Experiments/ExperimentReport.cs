using System.Globalization;
using System.Text;
using OfflineSafety.Pipeline.Reports;
using OfflineSafety.Storage;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>Mean and standard error over seeds of one method's end-of-run figures.</summary>
/// <remarks><see cref="LifetimeRegret"/> is the total cost the method accumulated while it trained (the safe-transfer papers' deployment metric).</remarks>
public sealed record MethodSummary(string Method, int Seeds, MeanError Violations, MeanError Successes, MeanError Ratio, MeanError Return,
    MeanError LifetimeRegret);

/// <summary>
/// The report of an experiment, written into the store under <c>runs/&lt;id&gt;/</c> (a local folder
/// or a blob container alike): README.md (settings, the table, how to reproduce) and SVG curves of
/// cumulative violations and successes per episode, mean ± s.e. over seeds, and the runs as files
/// (<see cref="ReportRuns"/>: runs.json and episodes.csv with every episode of every run).
/// </summary>
public static class ExperimentReport
{
    public static IReadOnlyList<MethodSummary> Summarize(IReadOnlyList<MethodRun> runs) =>
        runs.GroupBy(r => r.Method).Select(g => new MethodSummary(g.Key, g.Count(),
            MeanError.Of(g.Select(r => (double)r.Result.Violations).ToList()),
            MeanError.Of(g.Select(r => (double)r.Result.Successes).ToList()),
            MeanError.Of(g.Select(r => r.Result.Ratio).ToList()),
            MeanError.Of(g.Select(r => r.Result.MeanReturn).ToList()),
            MeanError.Of(g.Select(r => r.Result.LifetimeRegret).ToList()))).ToList();

    /// <summary>
    /// Writes the report as <c>runs/&lt;kind&gt;-&lt;stamp&gt;-&lt;random&gt;/</c> in <paramref name="store"/>; returns
    /// where its README.md is: a full path for a local store, the store address plus key otherwise.
    /// </summary>
    public static Task<string> WriteAsync(IObjectStore store, string kind, string title, string command, ExperimentBudget budget,
        IReadOnlyList<MethodRun> runs, string? notes = null, CancellationToken ct = default, IReadOnlyDictionary<string, string>? figures = null) =>
        WriteAsync(store, kind, title, command, Describe(budget), runs, notes, ct, figures);

    /// <summary>The report's settings line for a budget.</summary>
    public static string Describe(ExperimentBudget budget) =>
        $"Budget `{budget.Name}`: {(budget.StepBudget is { } steps ? $"{steps} environment steps" : $"{budget.Episodes} episodes")} per run, SAC hidden [{string.Join(",", budget.Hidden)}], batch {budget.BatchSize}, " +
        $"critic {budget.CriticArchitecture}, critic pretraining {budget.PretrainSteps} steps.";

    /// <summary>As above, with the settings line given (a combined report quotes its sources').</summary>
    public static async Task<string> WriteAsync(IObjectStore store, string kind, string title, string command, string settings,
        IReadOnlyList<MethodRun> runs, string? notes = null, CancellationToken ct = default, IReadOnlyDictionary<string, string>? figures = null)
    {
        string folder = $"runs/{kind}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}/";
        var summaries = Summarize(runs);
        async Task Put(string name, string text) => await store.WriteAsync(folder + name, Encoding.UTF8.GetBytes(text), ct).ConfigureAwait(false);
        await Put("cumulative-violations.svg", Curves(runs, "Cumulative violations", e => e.CumulativeViolations).Render()).ConfigureAwait(false);
        await Put("cumulative-successes.svg", Curves(runs, "Cumulative successes", e => e.CumulativeSuccesses).Render()).ConfigureAwait(false);
        await Put("ratio.svg", Curves(runs, "(successes + 1) / (violations + 1)", e => e.Ratio).Render()).ConfigureAwait(false);
        foreach (var (name, svg) in figures ?? new Dictionary<string, string>()) await Put(name, svg).ConfigureAwait(false);
        await Put("lifetime-regret.svg", RegretCurves(runs).Render()).ConfigureAwait(false);
        await Put(ReportRuns.EpisodesFile, ReportRuns.EpisodesCsv(runs)).ConfigureAwait(false);
        await Put(ReportRuns.RunsFile, ReportRuns.RunsJson(runs)).ConfigureAwait(false);

        var md = new StringBuilder();
        md.AppendLine($"# {title}").AppendLine();
        md.AppendLine($"Reproduce: `{command}`").AppendLine();
        md.AppendLine(settings).AppendLine();
        md.AppendLine(Table(summaries)).AppendLine();
        if (PairedComparison.AllPairs(runs) is { Count: > 0 } pairs) md.AppendLine(PairedTable(pairs)).AppendLine();
        if (PairedComparison.LastFifth(runs) is { } late)
        {
            md.AppendLine(PairedTable(late.Pairs, LateTitle(late) + ", paired by seed")).AppendLine();
            md.AppendLine(FifthsTable(runs)).AppendLine();
        }
        md.AppendLine("![violations](cumulative-violations.svg) ![successes](cumulative-successes.svg) ![ratio](ratio.svg) ![lifetime regret](lifetime-regret.svg)").AppendLine();
        md.AppendLine("| method | seed | violations | successes | ratio | mean return | lifetime regret | steps | recovery actions | seconds |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in runs)
            md.AppendLine(FormattableString.Invariant($"| {r.Method} | {r.Seed} | {r.Result.Violations} | {r.Result.Successes} | {r.Result.Ratio:0.000} | {r.Result.MeanReturn:0.0} | {r.Result.LifetimeRegret:0.0} | {r.Result.Steps} | {r.Result.Episodes.Sum(e => e.RecoverySteps)} | {r.Result.Seconds:0.0} |"));
        if (notes is not null) md.AppendLine().AppendLine(notes);
        // README.md last: a report whose README exists is complete.
        await Put("README.md", md.ToString()).ConfigureAwait(false);
        string key = folder + "README.md";
        return store.Location.Contains("://", StringComparison.Ordinal) ? $"{store.Location.TrimEnd('/')}/{key}" : Path.GetFullPath(Path.Combine(store.Location, key));
    }

    /// <summary>The Markdown table of per-method means ± s.e.</summary>
    public static string Table(IReadOnlyList<MethodSummary> summaries)
    {
        var md = new StringBuilder();
        md.AppendLine("| method | seeds | violations | successes | ratio | mean return | lifetime regret |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var s in summaries)
            md.AppendLine($"| {s.Method} | {s.Seeds} | {Format(s.Violations)} | {Format(s.Successes)} | {Format(s.Ratio, "0.000")} | {Format(s.Return)} | {Format(s.LifetimeRegret)} |");
        return md.ToString();
    }

    /// <summary>
    /// How each method's runs change over the run, in fifths of the episodes, over all seeds: the
    /// violations, the mean episode length and the recovery policy's share of the steps. Whether a
    /// count falls late because the task policy learns to stay up (longer episodes, a smaller share)
    /// or because the switch takes over is what the totals cannot say. Runs of equal length only
    /// (what <see cref="PairedComparison.LastFifth"/> checks before this is called).
    /// </summary>
    private static string FifthsTable(IReadOnlyList<MethodRun> runs)
    {
        int episodes = runs[0].Result.Episodes.Count;
        int Start(int fifth) => episodes * fifth / 5;
        var md = new StringBuilder();
        md.AppendLine("By fifths of the episodes (" + string.Join(" / ", Enumerable.Range(0, 5).Select(f => FormattableString.Invariant($"{Start(f) + 1}-{Start(f + 1)}")))
            + "), all seeds together: violations, mean steps per episode, and the recovery policy's share of the steps:").AppendLine();
        md.AppendLine("| method | seeds | violations | steps per episode | recovery share |");
        md.AppendLine("|---|---:|---|---|---|");
        foreach (var group in runs.GroupBy(r => r.Method))
        {
            var violations = new int[5];
            var steps = new long[5];
            var recovery = new long[5];
            var count = new int[5];
            foreach (var run in group)
                for (int f = 0; f < 5; f++)
                    for (int e = Start(f); e < Start(f + 1); e++)
                    {
                        var outcome = run.Result.Episodes[e];
                        if (outcome.Violation) violations[f]++;
                        steps[f] += outcome.Steps;
                        recovery[f] += outcome.RecoverySteps;
                        count[f]++;
                    }
            string Row(Func<int, string> cell) => string.Join(" / ", Enumerable.Range(0, 5).Select(cell));
            md.AppendLine(FormattableString.Invariant($"| {group.Key} | {group.Count()} | {Row(f => violations[f].ToString(CultureInfo.InvariantCulture))} | ")
                + Row(f => (count[f] == 0 ? 0 : (double)steps[f] / count[f]).ToString("0", CultureInfo.InvariantCulture))
                + " | " + Row(f => (steps[f] == 0 ? 0 : 100.0 * recovery[f] / steps[f]).ToString("0.0", CultureInfo.InvariantCulture) + "%") + " |");
        }
        return md.ToString();
    }

    /// <summary>What a <see cref="LateEpisodes"/> table counts, for its title.</summary>
    public static string LateTitle(LateEpisodes late) =>
        FormattableString.Invariant($"Violations in the last fifth of the episodes, {late.FirstEpisode}-{late.LastEpisode}");

    /// <summary>The Markdown table of per-seed paired violation differences.</summary>
    public static string PairedTable(IReadOnlyList<PairedComparison> pairs, string what = "Violations paired by seed")
    {
        var md = new StringBuilder();
        md.AppendLine($"{what} (first − second, mean ± s.e.; seeds where the first had fewer / as many / more; two-sided sign test):").AppendLine();
        md.AppendLine("| first | second | seeds | difference | fewer / tied / more | sign test p |");
        md.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (var c in pairs)
            md.AppendLine(FormattableString.Invariant($"| {c.First} | {c.Second} | {c.Difference.Count} | {Format(c.Difference)} | {c.Fewer} / {c.Tied} / {c.More} | {c.SignTestPText} |"));
        return md.ToString();
    }

    /// <summary>"mean ± s.e." in invariant culture.</summary>
    public static string Format(MeanError value, string format = "0.0") =>
        $"{value.Mean.ToString(format, CultureInfo.InvariantCulture)} ± {value.StandardError.ToString(format, CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Cumulative cost against environment steps (not episodes: episodes differ in length between
    /// methods, and regret accrues per step), mean ± s.e. over seeds on a grid of 50 points.
    /// </summary>
    public static SvgLinePlot RegretCurves(IReadOnlyList<MethodRun> runs)
    {
        var plot = new SvgLinePlot("Lifetime regret (cumulative cost)", "environment steps", "cumulative cost");
        foreach (var group in runs.GroupBy(r => r.Method))
        {
            long end = group.Min(r => r.Result.Episodes.Count == 0 ? 0 : r.Result.Episodes[^1].CumulativeSteps);
            if (end == 0) continue;
            var x = new List<double>();
            var y = new List<double>();
            var err = new List<double>();
            for (int k = 1; k <= 50; k++)
            {
                long at = end * k / 50;
                var estimate = MeanError.Of(group.Select(r => r.Result.Episodes.LastOrDefault(e => e.CumulativeSteps <= at)?.CumulativeCost ?? 0).ToList());
                x.Add(at);
                y.Add(estimate.Mean);
                err.Add(estimate.StandardError);
            }
            plot.Add(new PlotSeries(group.Key, x, y, err));
        }
        return plot;
    }

    public static SvgLinePlot Curves(IReadOnlyList<MethodRun> runs, string title, Func<Meta.Online.EpisodeOutcome, double> value)
    {
        var plot = new SvgLinePlot(title, "episode", title);
        foreach (var group in runs.GroupBy(r => r.Method))
        {
            int episodes = group.Min(r => r.Result.Episodes.Count);
            var x = new List<double>(episodes);
            var y = new List<double>(episodes);
            var err = new List<double>(episodes);
            for (int e = 0; e < episodes; e++)
            {
                var estimate = MeanError.Of(group.Select(r => value(r.Result.Episodes[e])).ToList());
                x.Add(e + 1);
                y.Add(estimate.Mean);
                err.Add(estimate.StandardError);
            }
            plot.Add(new PlotSeries(group.Key, x, y, err));
        }
        return plot;
    }
}
