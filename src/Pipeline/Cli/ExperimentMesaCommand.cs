using System.CommandLine;
using System.Globalization;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Hyperparameters;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Envs;
using OfflineSafety.Errors;
using OfflineSafety.Pipeline.Experiments;
using static OfflineSafety.Pipeline.Cli.OnlineCommandSupport;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe experiment mesa`: MESA phases 1-3 in the held-out variant against Multi-Task, RRL and Unconstrained.</summary>
public static class ExperimentMesaCommand
{
    public static Command Create()
    {
        var env = new EnvironmentOption();
        var seeds = new SeedsOption("Seeds per method.");
        var quick = new Option<bool>("--quick") { Description = "Reduced budget for every method alike (see docs/online.md)." };
        var episodes = new Option<int?>("--episodes") { Description = "Override the online episodes per run." };
        var gammaRisk = new Option<float?>("--gamma-risk") { Description = "Override gamma_risk in every phase for every critic source (default: the paper's, per environment)." };
        var epsRisk = new Option<float?>("--eps-risk") { Description = "Override eps_risk in every phase for every critic source (default: the paper's, per environment)." };
        var firstSeed = new Option<int>("--first-seed") { Description = "First seed (seeds first..first+N-1), to add seeds to an earlier run.", DefaultValueFactory = _ => 0 };
        var collection = new Option<string>("--training-collection")
        {
            Description = "How the training variants are collected: recipe (the environment's, default) | sac (the thesis's locomotion training sets: the replay buffer of an SAC run in each variant, with this budget's SAC).",
            DefaultValueFactory = _ => TrainingCollections.Recipe,
        };
        collection.AcceptOnlyFromAmong(TrainingCollections.Names);
        var trainingRows = new Option<int?>("--training-transitions") { Description = "Override the rows per training variant (with sac: the collecting SAC's steps)." };
        var restartLabels = new Option<int>("--restart-labels")
        {
            Description = "Recoverability restarts per near-violation state of each training variant (0: none, default): the simulator is restored to logged states up to --restart-horizon steps before a violation and stepped with this many sampled actions (docs/meta.md).",
            DefaultValueFactory = _ => 0,
        };
        var restartHorizon = new Option<int>("--restart-horizon") { Description = "Steps before a violation that restarts reach back, and that each restart lasts at most.", DefaultValueFactory = _ => TrainingCollections.DefaultRestartHorizon };
        var recoveryBc = new Option<float?>("--recovery-bc")
        {
            Description = "Behaviour-clone MESA's and Multi-Task's recovery policies (adaptation and online) towards the training variants' restart actions that avoided the violation, with this weight beside the Q_risk term (needs --restart-labels; default: off; docs/meta.md).",
        };
        var recoveryRl = new RecoveryRlOptions();
        var recoveryPretrain = new Option<int?>("--recovery-pretrain-steps")
        {
            Description = "With --recovery-objective margin: offline SAC updates of the margin recovery agent on the adaptation rows (default: the budget's critic pretraining steps).",
        };
        var recoveryFreeze = new Option<bool>("--recovery-freeze")
        {
            Description = "With --recovery-objective margin: keep the pretrained margin recovery agent fixed online (a diagnostic; default: one SAC update per step).",
        };
        var workers = new WorkersOption();
        var outerLr = new MesaOuterRateOption();
        var methods = new Option<string?>("--methods") { Description = "Comma-separated subset of " + string.Join(",", MesaExperiment.Methods) + " to run (default: all); critics no selected method reads are not trained." };
        var cmd = new Command("mesa", "MESA vs Multi-Task vs RRL critics (and Unconstrained SAC) during online Recovery RL in the held-out variant.")
        {
            env.Option, seeds.Option, quick, episodes, gammaRisk, epsRisk, firstSeed, collection, trainingRows, restartLabels, restartHorizon, methods, recoveryBc,
            recoveryPretrain, recoveryFreeze, workers.Option, outerLr.Option,
        };
        foreach (var option in recoveryRl.All) cmd.Options.Add(option);
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var definition = env.Get(p);
            if (p.GetValue(firstSeed) < 0) throw new BadInputException($"--first-seed must be at least 0, got {p.GetValue(firstSeed)}");
            int seedCount = seeds.Get(p);
            int workerCount = workers.Get(p);
            var budget = p.GetValue(quick) ? ExperimentBudget.Quick(definition) : ExperimentBudget.Paper(definition);
            if (p.GetValue(episodes) is { } e) budget = budget with { Episodes = e };
            float? outerRate = outerLr.Get(p);
            if (outerRate is { } outer) budget = budget with { MesaOuterLearningRate = outer };
            if (p.GetValue(trainingRows) is { } rows)
            {
                if (rows < 1) throw new BadInputException($"--training-transitions must be at least 1, got {rows}");
                budget = budget with { TransitionsPerVariant = rows };
            }
            var paper = DomainHyperparameterTable.For(definition.Id).Risk;
            var risk = new RiskSettings(p.GetValue(gammaRisk) ?? paper.GammaRisk, p.GetValue(epsRisk) ?? paper.EpsRisk);
            if (risk.GammaRisk is <= 0f or >= 1f) throw new BadInputException($"--gamma-risk must be in (0, 1), got {risk.GammaRisk}");
            if (risk.EpsRisk is <= 0f or >= 1f) throw new BadInputException($"--eps-risk must be in (0, 1), got {risk.EpsRisk}");
            if (p.GetValue(recoveryBc) is { } bc)
            {
                RecoveryCloning.CheckBeta(bc);
                if (p.GetValue(restartLabels) == 0) throw new BadInputException("--recovery-bc needs --restart-labels N (N > 0): the saved restarts are its demonstrations");
            }
            var training = TrainingCollections.Create(p.GetValue(collection)!, budget.Sac, p.GetValue(restartLabels), p.GetValue(restartHorizon));
            string? methodList = p.GetValue(methods);
            var selected = MesaExperiment.SelectMethods(methodList?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            var variation = recoveryRl.Variation(p) with { MarginPretrainSteps = p.GetValue(recoveryPretrain), MarginFrozen = p.GetValue(recoveryFreeze) };
            variation.ApplyTo(new SafetySettings()); // its one-line refusals before any work
            if (variation.FirstChangedFlag() is { } flag && !selected.Any(m => m != "unconstrained"))
                throw new BadInputException($"{flag} needs a Recovery RL method (mesa, multitask or rrl) in --methods");
            if (variation.Objective != RecoveryObjective.Risk)
            {
                definition.RequireMargin("--recovery-objective margin");
                MarginRecoveryAgent.CheckSupported(RecoveryKind.ModelFree, new SafetySettings { RecoveryObjective = variation.Objective, RecoveryGamma = variation.Gamma },
                    p.GetValue(recoveryBc) is not null);
            }
            var experiment = new MesaExperiment(definition, budget, new MesaExperimentSettings
            {
                Risk = risk,
                TrainingCollection = training,
                Methods = selected,
                RecoveryCloning = p.GetValue(recoveryBc),
                Recovery = variation,
            });
            var runs = WithPhases($"experiment mesa {definition.Id}", progress => experiment.Run(seedCount, progress, ct, p.GetValue(firstSeed), workerCount));
            string overrides = (p.GetValue(gammaRisk) is { } g ? $" --gamma-risk {g.ToString(CultureInfo.InvariantCulture)}" : "")
                + (p.GetValue(epsRisk) is { } e2 ? $" --eps-risk {e2.ToString(CultureInfo.InvariantCulture)}" : "")
                + (p.GetValue(firstSeed) is not 0 and var f ? $" --first-seed {f}" : "")
                + (outerRate is { } olr ? $" --mesa-outer-lr {olr.ToString(CultureInfo.InvariantCulture)}" : "")
                + (p.GetValue(collection) is not TrainingCollections.Recipe and var c ? $" --training-collection {c}" : "")
                + (p.GetValue(trainingRows) is { } r ? $" --training-transitions {r}" : "")
                + (p.GetValue(restartLabels) is not 0 and var n ? $" --restart-labels {n} --restart-horizon {p.GetValue(restartHorizon)}" : "")
                + (p.GetValue(recoveryBc) is { } bcw ? $" --recovery-bc {bcw.ToString(CultureInfo.InvariantCulture)}" : "")
                + RecoveryRlOptions.Flags(variation)
                + (methodList is null ? "" : $" --methods {string.Join(',', selected)}");
            string command = $"offsafe experiment mesa --env {definition.Id} --seeds {seedCount}{(p.GetValue(quick) ? " --quick" : "")} --episodes {budget.Episodes}{overrides}";
            return await ExperimentOnlineOutput.EmitAsync(p, $"MESA online: {definition.Id}, held-out variant", command, budget, runs, $"mesa-{definition.Id}",
                notes: experiment.Notes.Count == 0 ? null : string.Join("\n", experiment.Notes), ct: ct,
                extra: experiment.Notes.Count == 0 ? null : new { notes = experiment.Notes });
        });
        return cmd;
    }
}
