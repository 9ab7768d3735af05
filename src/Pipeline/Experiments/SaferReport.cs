using System.Globalization;
using System.Text;
using System.Text.Json;
using OfflineSafety.Meta.Safer;
using OfflineSafety.Pipeline.Reports;
using OfflineSafety.Storage;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>One table of SAFER's Table 1 layout: rows = held-out tasks (then their mean), columns = methods, mean ± s.e. over seeds.</summary>
public sealed record SaferTable(string Title, IReadOnlyList<string> Rows, IReadOnlyList<string> Methods, MeanError[,] Cells);

/// <summary>How many held-out tasks go SAFER's way on each of the paper's claims.</summary>
public sealed record SaferDirection(int Tasks, int FewerViolationsThanParrot, int FewerViolationsThanSac, int SuccessAtLeastParrot, bool CalibrationAtOrBelowDiagonal);

/// <summary>
/// The `experiment safer` report, written into the store under <c>runs/&lt;id&gt;/</c>: README.md (the
/// command, the plan, both tables, the priors' eta, the calibration numbers), results.json, and
/// three figures: the calibration plot (bound vs measured unsafe rate, with the diagonal) and the
/// learning curves (trailing success rate and cumulative violations per episode).
/// </summary>
public static class SaferReport
{
    public static SaferTable Success(SaferExperimentResult r) => Build(r, "Success rate (%)", run => run.SuccessRate);

    public static SaferTable Violations(SaferExperimentResult r) =>
        Build(r, $"Total violations (out of {r.Plan.Episodes} episodes)", run => run.Result.Violations);

    public static SaferDirection Direction(SaferExperimentResult r)
    {
        var success = Success(r);
        var violations = Violations(r);
        int safer = Column(SaferExperiment.Safer), parrot = Column(SaferExperiment.Parrot), sac = Column(SaferExperiment.Sac);
        int tasks = r.Tasks.Count, fewerParrot = 0, fewerSac = 0, atLeast = 0;
        for (int t = 0; t < tasks; t++)
        {
            if (violations.Cells[t, safer].Mean < violations.Cells[t, parrot].Mean) fewerParrot++;
            if (violations.Cells[t, safer].Mean < violations.Cells[t, sac].Mean) fewerSac++;
            if (success.Cells[t, safer].Mean >= success.Cells[t, parrot].Mean) atLeast++;
        }
        bool below = Calibration(r, SaferExperiment.Safer).All(p => !(p.Rate.Mean > p.Bound + 1e-9));
        return new SaferDirection(tasks, fewerParrot, fewerSac, atLeast, below);
        static int Column(string method) => Array.IndexOf(SaferExperiment.Methods, method);
    }

    /// <summary>Per bound: the eta it gave and the unsafe rate over the held-out tasks (mean ± s.e. over tasks).</summary>
    public static IReadOnlyList<(float Bound, float Eta, MeanError Rate)> Calibration(SaferExperimentResult r, string prior) =>
        r.Calibration.Where(p => p.Prior == prior).GroupBy(p => p.Bound).OrderBy(g => g.Key)
            .Select(g => (g.Key, g.First().Eta, MeanError.Of(g.Select(p => p.UnsafeRate).ToList()))).ToList();

    public static async Task<string> WriteAsync(IObjectStore store, SaferExperimentResult r, string command, TimeSpan elapsed, CancellationToken ct = default)
    {
        string folder = $"runs/safer-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}/";
        async Task Put(string name, string text) => await store.WriteAsync(folder + name, Encoding.UTF8.GetBytes(text), ct).ConfigureAwait(false);
        await Put("calibration.svg", CalibrationPlot(r).Render()).ConfigureAwait(false);
        await Put("success-rate.svg", Curves(r, $"Success rate over the last {r.Plan.CurveWindow} episodes (held-out tasks)", "success rate (%)", SuccessCurve).Render()).ConfigureAwait(false);
        await Put("cumulative-violations.svg", Curves(r, "Cumulative violations (held-out tasks)", "violations", ViolationCurve).Render()).ConfigureAwait(false);
        await Put("results.json", JsonSerializer.Serialize(Json(r, command, elapsed), Cli.Output.CliOutput.Json)).ConfigureAwait(false);
        // README.md last: a report whose README exists is complete.
        await Put("README.md", Markdown(r, command, elapsed)).ConfigureAwait(false);
        string key = folder + "README.md";
        return store.Location.Contains("://", StringComparison.Ordinal) ? $"{store.Location.TrimEnd('/')}/{key}" : Path.GetFullPath(Path.Combine(store.Location, key));
    }

    public static string Markdown(SaferExperimentResult r, string command, TimeSpan elapsed)
    {
        var p = r.Plan;
        var md = new StringBuilder();
        md.AppendLine("# SAFER vs SAC, PARROT and Context-PARROT on the held-out extraction tasks").AppendLine();
        md.AppendLine(Invariant($"Reproduce: `{command}` ({elapsed.TotalMinutes:0.0} min)")).AppendLine();
        md.AppendLine(Invariant($"Plan `{p.Name}`: offline data {r.Suite.Training.Count} training tasks x {p.TransitionsPerTask} scripted rows (suite seed {p.SuiteSeed}); ") +
            Invariant($"priors {p.PriorSteps} steps, batch {p.PriorBatchSize}, flow hidden [{string.Join(",", p.FlowHidden)}], encoder width {p.EncoderWidth}; ") +
            Invariant($"downstream SAC hidden [{string.Join(",", p.Sac.Hidden)}], batch {p.Sac.BatchSize}, {p.Episodes} episodes per run, {p.Seeds} seeds; ") +
            Invariant($"calibration {p.CalibrationEpisodes} rollouts per prior, bound and task.")).AppendLine();
        md.AppendLine("Held-out tasks: " + string.Join("; ", r.Tasks.Select((t, i) => $"{i + 1}: {t.Id}"))).AppendLine();
        foreach (var table in new[] { Success(r), Violations(r) }) md.AppendLine(MarkdownTable(table, "0.0"));
        var d = Direction(r);
        md.AppendLine(Invariant($"Direction of Table 1: SAFER has fewer violations than PARROT on {d.FewerViolationsThanParrot}/{d.Tasks} tasks and than SAC on {d.FewerViolationsThanSac}/{d.Tasks}; success at least PARROT's on {d.SuccessAtLeastParrot}/{d.Tasks}; calibration at or below the diagonal: {(d.CalibrationAtOrBelowDiagonal ? "yes" : "no")}.")).AppendLine();
        md.AppendLine("## Priors").AppendLine();
        md.AppendLine("The SAC box is what the downstream runs used; the fit's own metrics follow (its `eta` is the trainer's, at the fit settings' bound).").AppendLine();
        md.AppendLine(Invariant($"| prior | SAC box eta ({100 * r.Plan.OperatingBound:0} %{(r.Plan.SharedBox ? ", SAFER's" : "")}) | ") + string.Join(" | ", r.PriorSummaries.SelectMany(s => s.Metrics.Keys).Distinct()) + " |");
        var keys = r.PriorSummaries.SelectMany(s => s.Metrics.Keys).Distinct().ToList();
        md.AppendLine("|---|---:|" + string.Concat(keys.Select(_ => "---:|")));
        foreach (var s in r.PriorSummaries)
            md.AppendLine(Invariant($"| {s.Method} | {s.Eta:0.000} | ") + string.Join(" | ", keys.Select(k => s.Metrics.TryGetValue(k, out var v) ? v.ToString("0.###", CultureInfo.InvariantCulture) : "")) + " |");
        md.AppendLine().AppendLine("## Calibration (Figure 4)").AppendLine();
        md.AppendLine(Invariant($"Unsafe share of in-box actions: rollouts with z uniform in (-eta, eta)^d, eta from Algorithm 3 at each bound, and in every visited state {r.Plan.CalibrationSamples} more box latents decoded and checked; mean ± s.e. over the held-out tasks.")).AppendLine();
        md.AppendLine("| prior | " + string.Join(" | ", r.Plan.CalibrationBounds.Select(b => Invariant($"bound {b:0.00}"))) + " |");
        md.AppendLine("|---|" + string.Concat(r.Plan.CalibrationBounds.Select(_ => "---:|")));
        foreach (var (prior, _) in SaferExperiment.PriorMethods)
            md.AppendLine($"| {prior} | " + string.Join(" | ", Calibration(r, prior).Select(c => Invariant($"{c.Rate.Mean:0.000} ± {c.Rate.StandardError:0.000} (eta {c.Eta:0.00})"))) + " |");
        md.AppendLine().AppendLine("The calibration rollouts themselves (z uniform in the box, no learning): violating episodes and successes, summed over the held-out tasks.").AppendLine();
        md.AppendLine("| prior | " + string.Join(" | ", r.Plan.CalibrationBounds.Select(b => Invariant($"bound {b:0.00}"))) + " |");
        md.AppendLine("|---|" + string.Concat(r.Plan.CalibrationBounds.Select(_ => "---:|")));
        foreach (var (prior, _) in SaferExperiment.PriorMethods)
            md.AppendLine($"| {prior} | " + string.Join(" | ", r.Plan.CalibrationBounds.Select(b =>
            {
                var points = r.Calibration.Where(c => c.Prior == prior && c.Bound == b).ToList();
                return Invariant($"{points.Sum(c => c.ViolatingEpisodes)} violating, {points.Sum(c => c.Successes)} successes of {points.Sum(c => c.Episodes)}");
            })) + " |");
        md.AppendLine().AppendLine("![calibration](calibration.svg) ![success](success-rate.svg) ![violations](cumulative-violations.svg)").AppendLine();
        md.AppendLine("## Runs").AppendLine();
        md.AppendLine("| method | task | seed | episodes | successes | violations | steps | seconds |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var run in r.Runs)
            md.AppendLine(Invariant($"| {run.Method} | {run.Task} | {run.Seed} | {run.Result.Episodes.Count} | {run.Result.Successes} | {run.Result.Violations} | {run.Result.Steps} | {run.Result.Seconds:0.0} |"));
        return md.ToString();
    }

    public static string MarkdownTable(SaferTable table, string format)
    {
        var md = new StringBuilder();
        md.AppendLine($"**{table.Title}** (mean ± s.e. over seeds)").AppendLine();
        md.AppendLine("| task | " + string.Join(" | ", table.Methods) + " |");
        md.AppendLine("|---|" + string.Concat(table.Methods.Select(_ => "---:|")));
        for (int i = 0; i < table.Rows.Count; i++)
            md.AppendLine($"| {table.Rows[i]} | " + string.Join(" | ", Enumerable.Range(0, table.Methods.Count).Select(m => ExperimentReport.Format(table.Cells[i, m], format))) + " |");
        return md.ToString();
    }

    public static object Json(SaferExperimentResult r, string command, TimeSpan elapsed)
    {
        var success = Success(r);
        var violations = Violations(r);
        return new
        {
            command,
            plan = r.Plan.Name,
            seeds = r.Plan.Seeds,
            episodes = r.Plan.Episodes,
            minutes = elapsed.TotalMinutes,
            tasks = r.Tasks.Select(t => t.Id),
            priors = r.PriorSummaries.Select(s => new { method = s.Method, eta = s.Eta, metrics = s.Metrics }),
            table = Enumerable.Range(0, success.Rows.Count).Select(i => new
            {
                task = success.Rows[i],
                methods = SaferExperiment.Methods.Select((m, j) => new
                {
                    method = m,
                    success = success.Cells[i, j].Mean,
                    successSe = success.Cells[i, j].StandardError,
                    violations = violations.Cells[i, j].Mean,
                    violationsSe = violations.Cells[i, j].StandardError,
                }),
            }),
            direction = Direction(r),
            calibration = r.Calibration,
            runs = r.Runs.Select(x => new { method = x.Method, task = x.Task, seed = x.Seed, successes = x.Result.Successes, violations = x.Result.Violations, episodes = x.Result.Episodes.Count, steps = x.Result.Steps }),
        };
    }

    private static SaferTable Build(SaferExperimentResult r, string title, Func<SaferTaskRun, double> value)
    {
        var methods = SaferExperiment.Methods;
        int tasks = r.Tasks.Count;
        var cells = new MeanError[tasks + 1, methods.Length];
        for (int m = 0; m < methods.Length; m++)
        {
            for (int t = 0; t < tasks; t++)
                cells[t, m] = MeanError.Of(r.Runs.Where(x => x.Method == methods[m] && x.Task == t + 1).Select(value).ToList());
            // The mean row: each seed's average over tasks, then mean ± s.e. over seeds.
            cells[tasks, m] = MeanError.Of(r.Runs.Where(x => x.Method == methods[m]).GroupBy(x => x.Seed).Select(g => g.Average(value)).ToList());
        }
        var rows = r.Tasks.Select((t, i) => $"task {i + 1}").Append("mean").ToList();
        return new SaferTable(title, rows, methods, cells);
    }

    private static SvgLinePlot CalibrationPlot(SaferExperimentResult r)
    {
        var plot = new SvgLinePlot("Calibration: unsafe rate inside the eta box (held-out tasks)", "unsafe bound asked of Algorithm 3", "measured unsafe rate");
        var bounds = r.Plan.CalibrationBounds.Select(b => (double)b).ToArray();
        plot.Add(new PlotSeries("diagonal", bounds, bounds));
        foreach (var (prior, _) in SaferExperiment.PriorMethods)
        {
            var points = Calibration(r, prior);
            plot.Add(new PlotSeries(prior, points.Select(p => (double)p.Bound).ToArray(), points.Select(p => p.Rate.Mean).ToArray(), points.Select(p => p.Rate.StandardError).ToArray()));
        }
        return plot;
    }

    private static double SuccessCurve(SaferTaskRun run, int episode, int window)
    {
        int from = Math.Max(0, episode - window + 1), count = episode - from + 1, successes = 0;
        for (int e = from; e <= episode; e++) if (run.Result.Episodes[e].Success) successes++;
        return 100.0 * successes / count;
    }

    private static double ViolationCurve(SaferTaskRun run, int episode, int window) => run.Result.Episodes[episode].CumulativeViolations;

    private static SvgLinePlot Curves(SaferExperimentResult r, string title, string yLabel, Func<SaferTaskRun, int, int, double> value)
    {
        var plot = new SvgLinePlot(title, "episode", yLabel);
        foreach (var method in SaferExperiment.Methods)
        {
            var runs = r.Runs.Where(x => x.Method == method).ToList();
            if (runs.Count == 0) continue;
            int episodes = runs.Min(x => x.Result.Episodes.Count);
            // At most ~100 points per curve keeps the SVG small for a 1,000-episode run.
            int stride = Math.Max(1, episodes / 100);
            var x = new List<double>();
            var y = new List<double>();
            var err = new List<double>();
            for (int e = 0; e < episodes; e += stride)
            {
                var estimate = MeanError.Of(runs.Select(run => value(run, e, r.Plan.CurveWindow)).ToList());
                x.Add(e + 1);
                y.Add(estimate.Mean);
                err.Add(estimate.StandardError);
            }
            plot.Add(new PlotSeries(method, x, y, err));
        }
        return plot;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
