using System.CommandLine;
using OfflineSafety.Envs;
using OfflineSafety.Envs.Suites;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Pipeline.Experiments;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;
using static OfflineSafety.Pipeline.Cli.OnlineCommandSupport;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// `offsafe online`: one online run (Recovery RL or a baseline) in an environment variant. The
/// safety critic comes from the model registry (--critic NAME[@V], e.g. a MESA-adapted critic) or
/// is pretrained here on offline rows (a stored dataset, or rows collected with the environment's
/// recipe). Executed transitions become a new version of a dataset (source = run id).
/// </summary>
public static class OnlineCommand
{
    public static Command Create()
    {
        var env = new Option<string>("--env") { Description = "Environment id (see `offsafe envs list`).", Required = true };
        var variant = new Option<string>("--variant") { Description = "Dynamics variant id, or 'auto' (the held-out test variant).", DefaultValueFactory = _ => "auto" };
        var algo = new Option<string>("--algo") { Description = "recovery | unconstrained | lr | sqrl | rp | rcpo | rspo.", Required = true };
        algo.AcceptOnlyFromAmong(OnlineAlgorithms.Names);
        var critic = new Option<string?>("--critic") { Description = "MODEL[@V] from the registry (default: pretrain one on offline rows)." };
        var dataset = new Option<string?>("--dataset") { Description = "NAME[@REF]: offline rows (default: collect them with the environment's recipe)." };
        var recovery = new Option<string>("--recovery") { Description = "model-free | model-based (PETS + CEM).", DefaultValueFactory = _ => "model-free" };
        recovery.AcceptOnlyFromAmong("model-free", "model-based");
        var episodes = new Option<int>("--episodes") { Description = "Training episodes.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 0 };
        var offline = new Option<int?>("--offline-transitions") { Description = "Rows to collect when no --dataset is given (default: the paper's per-variant size)." };
        var pretrain = new Option<int?>("--pretrain-steps") { Description = "Critic pretraining steps (default 10000)." };
        var hidden = new Option<string?>("--hidden") { Description = "SAC / recovery hidden widths, e.g. 256,256 (default)." };
        var batch = new Option<int?>("--batch-size") { Description = "SAC and critic batch size (default 256)." };
        var learnAlpha = new Option<bool>("--learn-alpha") { Description = "Learn the SAC temperature (default: fixed 0.2)." };
        var evalEpisodes = new Option<int>("--eval-episodes") { Description = "Deterministic evaluation episodes after training.", DefaultValueFactory = _ => 0 };
        var record = new Option<string?>("--record") { Description = "Dataset to append the run's transitions to (default online-<env>)." };
        var noRecord = new Option<bool>("--no-record") { Description = "Do not write the run's transitions to the store." };
        var epsRisk = new Option<float?>("--eps-risk") { Description = "Override eps_risk (default per environment, or the registry critic's)." };

        var cmd = new Command("online", "Run Recovery RL or a baseline online and record the experience as a dataset version.")
        {
            env, variant, algo, critic, dataset, recovery, episodes, seed, offline, pretrain, hidden, batch, learnAlpha, evalEpisodes, record, noRecord, epsRisk,
        };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var definition = EnvironmentRegistry.Default.Get(p.GetValue(env)!);
            int runSeed = p.GetValue(seed);
            var testVariant = VariantSampling.TestVariant(definition.Variants, p.GetValue(variant));
            var algorithm = OnlineAlgorithms.Parse(p.GetValue(algo)!);
            int episodeCount = p.GetValue(episodes);
            if (episodeCount <= 0) throw new ArgumentException($"--episodes must be positive, got {episodeCount}");
            int[] widths = p.GetValue(hidden) is { } h ? CriticArchitecture.Parse(h).Hidden : [256, 256];
            var sac = new SacSettings { Hidden = widths, BatchSize = p.GetValue(batch) ?? 256, LearnAlpha = p.GetValue(learnAlpha) };
            int pretrainSteps = p.GetValue(pretrain) ?? 10_000;
            var safety = SafetySettings.For(definition.Id) with
            {
                CriticBatchSize = sac.BatchSize,
                RecoveryHidden = widths,
                PretrainSteps = pretrainSteps,
            };
            string runId = $"online-{definition.Id}-{algorithm.Name()}-s{runSeed}-{DateTime.UtcNow:yyyyMMddHHmmss}";
            var objects = OpenStore(p);

            var offlineRows = p.GetValue(dataset) is { } d
                ? (await LoadAsync(objects, d, testVariant.Id, ct)).Batch
                : OnlineStartTraining.CollectOffline(definition, testVariant, p.GetValue(offline) ?? definition.Defaults.TransitionsPerVariant, (ulong)(1000 + runSeed), ct);
            OnlineStart start;
            if (p.GetValue(critic) is { } reference)
            {
                var stored = await new ModelRegistry(objects).LoadAsync(ModelReference.Parse(reference), ct);
                if (stored.Critic.ObsDim != definition.ObservationSpace.Dim || stored.Critic.ActDim != definition.ActionSpace.Dim)
                    throw new ArgumentException($"critic {stored.Card.Reference} scores ({stored.Critic.ObsDim}, {stored.Critic.ActDim}) inputs; {definition.Id} has ({definition.ObservationSpace.Dim}, {definition.ActionSpace.Dim})");
                safety = safety with { GammaRisk = stored.Card.GammaRisk, EpsRisk = stored.Card.EpsRisk };
                var recoveryPolicy = stored.Recovery;
                if (recoveryPolicy is null && algorithm == OnlineAlgorithm.Recovery)
                    recoveryPolicy = WithProgress("recovery policy", _ => OnlineStartTraining.TrainRecovery(stored.Critic, TaskRows.Select(offlineRows, null), safety, safety.PretrainSteps, runSeed, ct));
                start = new OnlineStart(stored.Critic, recoveryPolicy, offlineRows);
            }
            else if (algorithm.UsesCritic())
                start = WithProgress("critic pretraining", progress => OnlineStartTraining.Pretrain(offlineRows, safety, CriticArchitecture.TwoBy256 with { Hidden = widths }, runSeed, progress, ct));
            else
                start = new OnlineStart(null, null, offlineRows);

            if (p.GetValue(epsRisk) is { } eps) safety = safety with { EpsRisk = eps };
            var options = new OnlineRunOptions(algorithm, episodeCount, runSeed, runId)
            {
                Recovery = OnlineAlgorithms.ParseRecovery(p.GetValue(recovery)!),
                Sac = sac,
                Safety = safety,
            };
            var runner = new OnlineRunner(definition.Create(testVariant, (ulong)(7919 * (runSeed + 1))), start, options);
            bool recording = !p.GetValue(noRecord);
            var collector = recording ? Collector(definition, episodeCount * definition.Horizon) : null;
            var result = RunWithProgress(runner, algorithm, episodeCount, collector, ct);
            var evaluation = p.GetValue(evalEpisodes) > 0 ? runner.Evaluate(p.GetValue(evalEpisodes), ct) : null;

            string? recorded = null;
            if (collector is not null)
            {
                string name = p.GetValue(record) ?? $"online-{definition.Id}";
                recorded = (await SuiteDataset.WriteAsync(new DatasetStore(objects), name, definition, collector.Batch, [testVariant], "ONLINE", ct))
                    .Version.ToString();
            }

            var run = new MethodRun(algorithm.Name(), runSeed, result);
            return Emit(p, new
            {
                results = new[] { ResultJson(run) },
                runId,
                env = definition.Id,
                variant = testVariant.Id,
                episodes = result.Episodes.Count,
                steps = result.Steps,
                seconds = result.Seconds,
                recoverySteps = result.Episodes.Sum(e => e.RecoverySteps),
                evaluation,
                dataset = recorded,
            }, console =>
            {
                console.Write(SummaryTable(ExperimentReport.Summarize([run])));
                console.WriteLine($"{runId}: {result.Steps} steps in {F(result.Seconds, "0.0")} s, recovery actions {result.Episodes.Sum(e => e.RecoverySteps)}");
                if (evaluation is not null)
                    console.WriteLine($"evaluation: {evaluation.Episodes} episodes, {evaluation.Violations} violations, {evaluation.Successes} successes, mean return {F(evaluation.MeanReturn, "0.0")}");
                if (recorded is not null) console.WriteLine($"transitions recorded as {recorded}");
            });
        });
        return cmd;
    }

    private static OnlineRunResult RunWithProgress(OnlineRunner runner, OnlineAlgorithm algorithm, int episodes, Envs.Collection.ITransitionSink? sink, CancellationToken ct)
    {
        OnlineRunResult result = null!;
        Stderr().Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(algorithm.Name(), maxValue: episodes);
                result = runner.Run(sink, e =>
                {
                    task.Value = e.Episode + 1;
                    task.Description = Markup.Escape($"{algorithm.Name()} ep {e.Episode + 1}: viol {e.CumulativeViolations} succ {e.CumulativeSuccesses} ret {e.Return:0}");
                }, ct);
            });
        return result;
    }
}
