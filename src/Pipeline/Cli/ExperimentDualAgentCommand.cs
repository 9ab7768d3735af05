using System.CommandLine;
using System.Globalization;
using System.Text;
using Spectre.Console;
using OfflineSafety.Envs;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Online.DualAgent;
using OfflineSafety.Pipeline.Experiments;
using OfflineSafety.Pipeline.Reports;
using static OfflineSafety.Pipeline.Cli.OnlineCommandSupport;
using static OfflineSafety.Pipeline.Cli.Output.CliOutput;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe experiment dual-agent`: samples to the baseline's return under the cost limit, dual-agent vs SAC-Lagrangian and PPO-Lagrangian from scratch.</summary>
public static class ExperimentDualAgentCommand
{
    public static Command Create()
    {
        var seeds = new SeedsOption("Seeds per method.");
        var firstSeed = new Option<int>("--first-seed") { Description = "First seed (seeds first..first+N-1), to add seeds to an earlier run.", DefaultValueFactory = _ => 0 };
        var methodsOption = new Option<string[]>("--methods") { Description = "Subset of dual-agent, csac, ppo-lagrangian (default: all three; a run depends only on its method and seed, so a sweep of the dual agent's flags can skip the comparators).", AllowMultipleArgumentsPerToken = true };
        var quick = new Option<bool>("--quick") { Description = "Reduced budget for both methods alike (see docs/transfer.md)." };
        var steps = new Option<long?>("--steps") { Description = "Environment steps per run (default 30000 with --quick, else 500000, the paper's convergence budget)." };
        var ppoSteps = new Option<long?>("--ppo-steps") { Description = "Environment steps per PPO-Lagrangian run (default: --steps; on-policy methods need many more samples, each far cheaper)." };
        var every = new Option<int>("--evaluate-every") { Description = "Episodes between deterministic evaluations.", DefaultValueFactory = _ => 2 };
        var evalEpisodes = new Option<int>("--evaluation-episodes") { Description = "Deterministic episodes per evaluation (default 10; 3 with --passes-in-a-row 1 is the old, looser rule).", DefaultValueFactory = _ => 10 };
        var inARow = new Option<int>("--passes-in-a-row") { Description = "Consecutive passing evaluations before a run counts as at the target; samples are counted at the first of them (default 2).", DefaultValueFactory = _ => 2 };
        var dualOptions = new DualAgentOptions();
        var cmd = new Command("dual-agent", "Dual-agent safety correction of the cart-pole PD law vs Lagrangian SAC and PPO-Lagrangian from scratch, in the high-stakes cart-pole.")
        {
            seeds.Option, firstSeed, methodsOption, quick, steps, ppoSteps, every, evalEpisodes, inARow,
        };
        foreach (var option in dualOptions.All) cmd.Options.Add(option);
        CommandAction.Set(cmd, async (p, ct) =>
        {
            int seedCount = seeds.Get(p);
            int first = p.GetValue(firstSeed);
            if (first < 0) throw new BadInputException($"--first-seed must be at least 0, got {first}");
            var chosen = p.GetValue(methodsOption) is { Length: > 0 } ms
                ? ms.SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(ParseMethod).ToHashSet()
                : [.. DualAgentExperiment.Methods];
            int evaluateEvery = p.GetValue(every);
            if (evaluateEvery < 1) throw new BadInputException($"--evaluate-every must be at least 1, got {evaluateEvery}");
            int evaluationEpisodes = p.GetValue(evalEpisodes);
            if (evaluationEpisodes < 1 || evaluationEpisodes > 1000) throw new BadInputException($"--evaluation-episodes must be in [1, 1000], got {evaluationEpisodes}");
            int passesInARow = p.GetValue(inARow);
            if (passesInARow < 1) throw new BadInputException($"--passes-in-a-row must be at least 1, got {passesInARow}");
            var target = new TargetRule(evaluateEvery, evaluationEpisodes, passesInARow);
            var definition = EnvironmentRegistry.Default.Get("cartpole-length");
            var budget = p.GetValue(quick) ? ExperimentBudget.Quick(definition) : ExperimentBudget.Paper(definition);
            long stepBudget = p.GetValue(steps) ?? (p.GetValue(quick) ? 30_000 : 500_000);
            if (stepBudget < 1 || stepBudget > 10_000_000) throw new BadInputException($"--steps must be in [1, 10000000], got {stepBudget}");
            budget = budget with { StepBudget = stepBudget };
            long onPolicySteps = p.GetValue(ppoSteps) ?? stepBudget;
            if (onPolicySteps < 1 || onPolicySteps > 10_000_000) throw new BadInputException($"--ppo-steps must be in [1, 10000000], got {onPolicySteps}");
            var settings = dualOptions.Read(p);
            var outcome = WithPhases("experiment dual-agent", progress => new DualAgentExperiment(budget, settings, stepBudget, target, onPolicySteps).Run(seedCount, progress, ct, first, chosen));
            string command = $"offsafe experiment dual-agent --seeds {seedCount}"
                + (first != 0 ? $" --first-seed {first}" : "")
                + (p.GetValue(methodsOption) is { Length: > 0 } ? $" --methods {string.Join(",", DualAgentExperiment.Methods.Where(chosen.Contains).Select(a => a.Name()))}" : "")
                + $"{(p.GetValue(quick) ? " --quick" : "")} --steps {stepBudget}{(p.GetValue(ppoSteps) is { } ps ? $" --ppo-steps {ps}" : "")} --evaluate-every {evaluateEvery} --evaluation-episodes {evaluationEpisodes} --passes-in-a-row {passesInARow}"
                + dualOptions.Given(p);
            var methods = outcome.Samples.Select(s => s.Method).Distinct().ToArray();
            var samples = methods.ToDictionary(m => m, m => MeanError.Of(outcome.Samples.Where(s => s.Method == m).Select(s => (double)(s.Steps ?? s.Budget)).ToList()));
            var reached = methods.ToDictionary(m => m, m => outcome.Samples.Count(s => s.Method == m && s.Steps is not null));
            // Each from-scratch comparator against the dual agent; a miss counts as its budget, so where the comparator
            // missed on any seed the ratio is a lower bound (where on all, budget / dual's), where the dual agent did an upper one.
            // Without the dual agent (a run of the comparators alone) there is no ratio to give.
            var dual = DualAgentExperiment.DualAgentName;
            long Budget(string m) => outcome.Samples.Where(s => s.Method == m).Max(s => s.Budget);
            var ratios = !methods.Contains(dual) ? [] : methods.Where(m => m != dual).Select(m => new ComparatorRatio(m, samples[m].Mean / samples[dual].Mean, reached[m], seedCount, Budget(m),
                reached[dual], Budget(dual))).ToList();
            double? ratio = ratios.Count > 0 ? ratios[0].Ratio : null;
            bool censored = ratios.Count > 0 && ratios[0].IsLowerBound;

            var notes = new StringBuilder();
            notes.AppendLine(FormattableString.Invariant($"Baseline (PD law, fixed): mean return {outcome.BaselineReturn:0.0}, cost per step {outcome.BaselineCostPerStep:0.000}; limit {outcome.CostLimit:0.###} per step (delta); gbar {settings.GammaSafe}, eta_lambda {settings.MultiplierLearningRate}, exploration noise {settings.ExplorationNoise} (baseline's steps {settings.BaselineNoise}), Q_I input {(settings.CriticInput == SafeCriticInput.BaselineDeviation ? "a - pi_B(s)" : "a")}{(settings.CriticTargetRate > 0 ? $", Q_I target rate {settings.CriticTargetRate}" : "")}{(settings.CriticSteps > 1 ? $", {settings.CriticSteps}-step Q_I targets" : "")}{(settings.CriticCutTolerance > 0 ? $" cut at the first logged action more than {settings.CriticCutTolerance} from pi_S'" : "")}, dual step over {(settings.ConstraintWindow > 0 ? $"the {settings.ConstraintWindow} most recent rows" : "the whole buffer")}{(settings.DualWarmup > 0 ? $" after {settings.DualWarmup} updates" : "")}{(settings.TrustRegion > 0 ? $"; trust region rho {settings.TrustRegion} around pi_B" : "")}.")).AppendLine();
            notes.AppendLine($"Target: every {target.EvaluateEvery} training episodes, {target.EvaluationEpisodes} deterministic evaluation episodes; samples to target are the steps at the first of {target.PassesInARow} consecutive evaluations with return >= the baseline's and cost per step <= the limit, for every method alike.").AppendLine();
            notes.AppendLine("| method | reached (seeds) | samples to baseline return with cost <= limit (mean ± s.e.; a miss counts as its budget) |");
            notes.AppendLine("|---|---:|---:|");
            foreach (var m in methods) notes.AppendLine($"| {m} | {reached[m]}/{seedCount} | {ExperimentReport.Format(samples[m], "0")} |");
            notes.AppendLine().AppendLine("| method | seed | samples to target | last evaluation: return | cost per step |");
            notes.AppendLine("|---|---:|---:|---:|---:|");
            foreach (var (s, run) in outcome.Samples.Zip(outcome.Runs))
            {
                var last = run.Result.Evaluations.Count > 0 ? run.Result.Evaluations[^1].Result : null;
                notes.AppendLine(FormattableString.Invariant($"| {s.Method} | {s.Seed} | {(s.Steps is { } n ? n.ToString(CultureInfo.InvariantCulture) : $"> {s.Budget}")} | {last?.MeanReturn:0.0} | {last?.CostPerStep:0.000} |"));
            }
            notes.AppendLine();
            foreach (var r in ratios) notes.AppendLine($"Sample ratio ({r.Method} / dual-agent): {r.Describe()}.").AppendLine();
            var figures = new Dictionary<string, string>
            {
                ["evaluation-return.svg"] = EvaluationCurve(outcome, "evaluated return", r => r.MeanReturn).Render(),
                ["evaluation-cost.svg"] = EvaluationCurve(outcome, "evaluated cost per step", r => r.CostPerStep).Render(),
                ["lambda.svg"] = TraceCurve(outcome, "lambda", t => t.Lambda).Render(),
                ["safe-q.svg"] = TraceCurve(outcome, "Qbar", t => t.MeanQ).Render(),
                ["dual-agent-trace.csv"] = TraceCsv(outcome),
                ["multipliers.svg"] = MultiplierCurve(outcome).Render(),
                ["multipliers.csv"] = MultiplierCsv(outcome),
            };
            notes.AppendLine().AppendLine("![evaluated return](evaluation-return.svg) ![evaluated cost per step](evaluation-cost.svg)");
            notes.AppendLine().AppendLine(FormattableString.Invariant($"Dual-agent per training episode (`dual-agent-trace.csv`: return, cost, lambda, Qbar, Gamma {(outcome.Trace.Count > 0 ? outcome.Trace[0].Budget : float.NaN):0.00}, D):"))
                .AppendLine().AppendLine("![lambda](lambda.svg) ![Qbar](safe-q.svg)")
                .AppendLine().AppendLine("The comparators' multipliers per training episode (`multipliers.csv`: SAC-L's beta, PPO-L's lambda, with the episode's cost):")
                .AppendLine().AppendLine("![multipliers](multipliers.svg)");
            var extra = new
            {
                baselineReturn = outcome.BaselineReturn,
                baselineCostPerStep = outcome.BaselineCostPerStep,
                costLimit = outcome.CostLimit,
                evaluateEvery = target.EvaluateEvery,
                evaluationEpisodes = target.EvaluationEpisodes,
                passesInARow = target.PassesInARow,
                samples = outcome.Samples.Select(s => new { method = s.Method, seed = s.Seed, steps = s.Steps, budget = s.Budget }),
                ratio,
                ratioIsLowerBound = censored,
                ratios = ratios.Select(r => new { method = r.Method, ratio = r.Ratio, isLowerBound = r.IsLowerBound, isUpperBound = r.IsUpperBound, reached = r.Reached, budget = r.Budget }),
            };
            return await ExperimentOnlineOutput.EmitAsync(p, "Dual-agent safety correction vs SAC-Lagrangian and PPO-Lagrangian from scratch (cart-pole, hazard |x| >= 0.2)", command, budget,
                outcome.Runs, "dual-agent", notes.ToString(), ct, figures, extra, console =>
                {
                    var table = NewTable("method", "reached", "samples to target");
                    foreach (var m in methods) table.AddRow(m, $"{reached[m]}/{seedCount}", ExperimentReport.Format(samples[m], "0"));
                    table.Caption(FormattableString.Invariant($"baseline return {outcome.BaselineReturn:0.0}, cost/step {outcome.BaselineCostPerStep:0.000}; target: {target.PassesInARow} pass(es) in a row of {target.EvaluationEpisodes}-episode evaluations every {target.EvaluateEvery} episodes; ")
                        + string.Join("; ", ratios.Select(r => $"{r.Method} / dual {r.Describe()}")));
                    console.Write(table);
                });
        });
        return cmd;
    }

    /// <summary>A comparator's samples to the target over the dual agent's (means over seeds; a miss counts as its budget).</summary>
    private sealed record ComparatorRatio(string Method, double Ratio, int Reached, int Seeds, long Budget, int DualReached, long DualBudget)
    {
        public bool IsLowerBound => Reached < Seeds && DualReached == Seeds;

        public bool IsUpperBound => DualReached < Seeds && Reached == Seeds;

        public string Describe() => (Reached < Seeds, DualReached < Seeds) switch
        {
            (true, false) when Reached == 0 => FormattableString.Invariant($">= {Ratio:0.00} (a lower bound: not reached in {Budget} steps on any seed)"),
            (true, false) => FormattableString.Invariant($"{Ratio:0.00} (a lower bound: not reached in {Budget} steps on {Seeds - Reached} of {Seeds} seeds)"),
            (false, true) => FormattableString.Invariant($"{Ratio:0.00} (an upper bound: the dual agent not reached in {DualBudget} steps on {Seeds - DualReached} of {Seeds} seeds)"),
            (true, true) => FormattableString.Invariant($"{Ratio:0.00} (neither bound: not reached in {Budget} steps on {Seeds - Reached} of {Seeds} seeds, the dual agent in {DualBudget} on {Seeds - DualReached})"),
            _ => FormattableString.Invariant($"{Ratio:0.00}"),
        };
    }

    private static OnlineAlgorithm ParseMethod(string name) => DualAgentExperiment.Methods.Where(a => a.Name() == name).Select(a => (OnlineAlgorithm?)a).FirstOrDefault()
        ?? throw new BadInputException($"--methods takes dual-agent, csac or ppo-lagrangian, got '{name}'");

    private static SvgLinePlot TraceCurve(DualAgentOutcome outcome, string title, Func<DualAgentTracePoint, double> value)
    {
        var plot = new SvgLinePlot($"dual-agent {title} per episode", "environment steps", title);
        foreach (var seed in outcome.Trace.GroupBy(t => t.Seed))
            plot.Add(new PlotSeries($"seed {seed.Key}", seed.Select(t => (double)t.Steps).ToList(), seed.Select(value).ToList(), null));
        return plot;
    }

    private static SvgLinePlot MultiplierCurve(DualAgentOutcome outcome)
    {
        var plot = new SvgLinePlot("comparators' multiplier per episode", "environment steps", "multiplier");
        foreach (var run in outcome.Multipliers.GroupBy(t => (t.Method, t.Seed)))
            plot.Add(new PlotSeries($"{run.Key.Method} seed {run.Key.Seed}", run.Select(t => (double)t.Steps).ToList(), run.Select(t => (double)t.Multiplier).ToList(), null));
        return plot;
    }

    private static string MultiplierCsv(DualAgentOutcome outcome)
    {
        var csv = new StringBuilder("method,seed,episode,steps,cost,multiplier\n");
        foreach (var t in outcome.Multipliers)
            csv.AppendLine(FormattableString.Invariant($"{t.Method},{t.Seed},{t.Episode},{t.Steps},{t.Cost:0.###},{t.Multiplier:0.#####}"));
        return csv.ToString();
    }

    private static string TraceCsv(DualAgentOutcome outcome)
    {
        var csv = new StringBuilder("seed,episode,steps,return,cost,lambda,qbar,gamma,distance,outward_correction\n");
        foreach (var t in outcome.Trace)
            csv.AppendLine(FormattableString.Invariant($"{t.Seed},{t.Episode},{t.Steps},{t.Return:0.###},{t.Cost:0.###},{t.Lambda:0.#####},{t.MeanQ:0.###},{t.Budget:0.###},{t.Distance:0.#####},{t.OutwardCorrection:0.#####}"));
        return csv.ToString();
    }

    private static SvgLinePlot EvaluationCurve(DualAgentOutcome outcome, string title, Func<Meta.Online.EvaluationResult, double> value)
    {
        var plot = new SvgLinePlot(title, "environment steps", title);
        foreach (var group in outcome.Runs.GroupBy(r => r.Method))
        {
            int points = group.Min(r => r.Result.Evaluations.Count);
            var x = new List<double>();
            var y = new List<double>();
            var err = new List<double>();
            for (int i = 0; i < points; i++)
            {
                var estimate = MeanError.Of(group.Select(r => value(r.Result.Evaluations[i].Result)).ToList());
                x.Add(group.Average(r => (double)r.Result.Evaluations[i].Steps));
                y.Add(estimate.Mean);
                err.Add(estimate.StandardError);
            }
            plot.Add(new PlotSeries(group.Key, x, y, err));
        }
        return plot;
    }
}
