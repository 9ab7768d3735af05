using System.CommandLine;
using OfflineSafety.Envs;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Pipeline.Experiments;
using OfflineSafety.Pipeline.Reports;
using OfflineSafety.Storage;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;
using static OfflineSafety.Pipeline.Cli.Output.CliOutput;
using OfflineSafety.Pipeline.Cli.Output;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe experiment critics`: MESA vs Multi-Task vs RRL held-out critic quality over adaptation steps.</summary>
public static class ExperimentCommands
{
    public static Command Create()
    {
        var experiment = new Command("experiment", "Reproducible experiments that write tables and figures.");
        experiment.Subcommands.Add(Critics());
        experiment.Subcommands.Add(ExperimentMesaCommand.Create());
        experiment.Subcommands.Add(ExperimentRecoveryCommand.Create());
        experiment.Subcommands.Add(ExperimentSaferCommand.Create());
        experiment.Subcommands.Add(ExperimentDualAgentCommand.Create());
        experiment.Subcommands.Add(ExperimentTransferCommand.Create());
        experiment.Subcommands.Add(ExperimentCombineCommand.Create());
        return experiment;
    }

    private static Command Critics()
    {
        var env = new EnvironmentOption();
        var seeds = new SeedsOption("Training seeds per method.");
        var quick = new Option<bool>("--quick") { Description = "Smaller suite and fewer iterations (minutes, not hours)." };
        var steps = new Option<int?>("--steps") { Description = "Adaptation steps M (default 500; 100 for Navigation)." };
        var mesaIterations = new Option<int?>("--mesa-iterations") { Description = "Override MESA meta-iterations." };
        var baselineSteps = new Option<int?>("--baseline-steps") { Description = "Override Multi-Task and RRL training steps." };
        var outerLr = new MesaOuterRateOption();
        var mesaArchitecture = new Option<string?>("--mesa-architecture") { Description = "MESA's network: 3x100 (the MESA code's, default), 2x256 (the thesis's and the baselines'), or comma-separated widths." };
        var suiteSeed = new Option<ulong>("--suite-seed") { Description = "Seed of the generated suite." };
        var collection = new Option<string>("--training-collection")
        {
            Description = "How the training variants are collected: recipe (the environment's, default) | sac (the thesis's locomotion training sets: the replay buffer of an SAC run in each variant, with the quick or paper SAC as the plan is).",
            DefaultValueFactory = _ => TrainingCollections.Recipe,
        };
        collection.AcceptOnlyFromAmong(TrainingCollections.Names);
        var restartLabels = new Option<int>("--restart-labels")
        {
            Description = "Recoverability restarts per near-violation state of each training variant (0: none, default; see experiment mesa).",
            DefaultValueFactory = _ => 0,
        };
        var restartHorizon = new Option<int>("--restart-horizon") { Description = "Steps before a violation that restarts reach back, and that each restart lasts at most.", DefaultValueFactory = _ => TrainingCollections.DefaultRestartHorizon };
        var cmd = new Command("critics", "Train MESA, Multi-Task and RRL critics, adapt them, and score them on held-out test-variant data.")
        {
            env.Option, seeds.Option, quick, steps, mesaIterations, baselineSteps, outerLr.Option, mesaArchitecture, suiteSeed, collection, restartLabels, restartHorizon,
        };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var objects = OpenStore(p);
            string environment = env.Get(p).Id;
            int seedCount = seeds.Get(p);
            var plan = (p.GetValue(quick) ? CriticsExperimentPlan.QuickPlan(environment, seedCount) : CriticsExperimentPlan.Full(environment, seedCount)) with
            {
                SuiteSeed = p.GetValue(suiteSeed),
                AdaptationSteps = p.GetValue(steps),
                TrainingCollection = p.GetValue(collection)!,
                RestartLabels = p.GetValue(restartLabels),
                RestartHorizon = p.GetValue(restartHorizon),
            };
            if (outerLr.Get(p) is { } olr) plan = plan with { MesaOuterLearningRate = olr };
            if (p.GetValue(mesaArchitecture) is { } ma) plan = plan with { MesaArchitecture = CriticArchitecture.Parse(ma) };
            if (p.GetValue(mesaIterations) is { } mi) plan = plan with { MesaIterations = mi };
            if (p.GetValue(baselineSteps) is { } bs) plan = plan with { MultiTaskSteps = bs, TestOnlySteps = bs };

            var started = DateTimeOffset.UtcNow;
            var results = await RunWithProgress(new CriticsExperiment(objects), plan, ct);
            double minutes = (DateTimeOffset.UtcNow - started).TotalMinutes;

            string runId = $"critics-{environment}-{started:yyyyMMddTHHmmss}Z";
            var stepsMeasured = results.Select(r => r.Steps).Distinct().Order().ToArray();
            foreach (var (metric, title) in new[] { ("auc", "held-out ROC-AUC (violation within 5 steps)"), ("brier", "held-out Brier score (discounted violation)") })
            {
                var plot = new SvgLinePlot($"{environment}: {title}", "adaptation steps", metric);
                foreach (var method in CriticsExperiment.Reported)
                {
                    var cells = stepsMeasured.Select(s => Cell(results, method, s, metric)).ToArray();
                    plot.Add(new PlotSeries(method, stepsMeasured.Select(s => (double)s).ToArray(), cells.Select(c => c.Mean).ToArray(), cells.Select(c => c.StandardError).ToArray()));
                }
                await objects.WriteAsync($"runs/{runId}/{metric}.svg", Encoding.UTF8.GetBytes(plot.Render()), ct);
            }
            var json = new
            {
                environment,
                quick = plan.Quick,
                trainingCollection = plan.TrainingCollection,
                restartLabels = plan.RestartLabels,
                restartHorizon = plan.RestartHorizon,
                seeds = seedCount,
                mesaIterations = plan.MesaIterations,
                mesaOuterLearningRate = plan.MesaOuterRate,
                mesaArchitecture = plan.MesaArchitecture.Widths,
                baselineSteps = plan.MultiTaskSteps,
                suite = plan.SuiteDataset,
                heldOut = plan.HeldOutDataset,
                run = $"runs/{runId}",
                minutes,
                results = results.Select(r => new { method = r.Method, seed = r.Seed, steps = r.Steps, auc = r.Auc, brier = r.Brier }),
            };
            await objects.WriteAsync($"runs/{runId}/results.json", JsonSerializer.SerializeToUtf8Bytes(json, CliOutput.Json), ct);

            return Emit(p, json, console =>
            {
                foreach (var metric in new[] { "auc", "brier" })
                {
                    var table = NewTable(["method \\ adaptation steps", .. stepsMeasured.Select(s => s.ToString(CultureInfo.InvariantCulture))]);
                    foreach (var method in CriticsExperiment.Reported)
                        table.AddRow([method, .. stepsMeasured.Select(s => { var c = Cell(results, method, s, metric); return $"{F(c.Mean, "0.000")}±{F(c.StandardError, "0.000")}"; })]);
                    table.Caption($"{environment} held-out {metric.ToUpperInvariant()} (mean ± s.e. over {seedCount} seeds; gbm: boosted trees on the same rows, not adapted)");
                    console.Write(table);
                }
                console.WriteLine($"MESA: {json.mesaArchitecture}, {json.mesaIterations} meta-iterations, outer rate {json.mesaOuterLearningRate.ToString(CultureInfo.InvariantCulture)}; Multi-Task: 2x256, {json.baselineSteps} steps");
                console.WriteLine($"figures and results: {objects.Location}/runs/{runId}/ ({F(minutes, "0.0")} min)");
            });
        });
        return cmd;
    }

    private static MeanError Cell(IReadOnlyList<CriticResult> results, string method, int steps, string metric) =>
        MeanError.Of(results.Where(r => r.Method == method && r.Steps == steps).Select(r => metric == "auc" ? r.Auc : r.Brier).ToArray());

    private static async Task<IReadOnlyList<CriticResult>> RunWithProgress(CriticsExperiment experiment, CriticsExperimentPlan plan, CancellationToken ct)
    {
        IReadOnlyList<CriticResult> results = [];
        await CliProgress.OnStderr(autoClear: false, CliProgress.Elapsed())
            .StartAsync(async ctx =>
            {
                ProgressTask? task = null;
                string? stage = null;
                results = await experiment.RunAsync(plan, progress =>
                {
                    if (progress.Stage != stage)
                    {
                        if (task is not null) task.Value = task.MaxValue;
                        stage = progress.Stage;
                        task = ctx.AddTask(Markup.Escape(stage), maxValue: Math.Max(1, progress.TotalSteps));
                    }
                    if (progress.Step % 25 != 0 && progress.Step != progress.TotalSteps) return;
                    task!.Value = progress.Step;
                    if (float.IsFinite(progress.Loss))
                        task.Description = Markup.Escape($"{stage}  loss {progress.Loss.ToString("0.00000", CultureInfo.InvariantCulture)}");
                }, ct);
                if (task is not null) task.Value = task.MaxValue;
            });
        return results;
    }
}
