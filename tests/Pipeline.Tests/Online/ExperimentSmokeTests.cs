using OfflineSafety.Envs;
using OfflineSafety.Meta.Online;
using OfflineSafety.Pipeline.Experiments;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Pipeline.Tests.Online;

/// <summary>Both online experiments end to end on the smallest budget (every phase runs, numbers are not judged).</summary>
public class ExperimentSmokeTests
{
    [Fact]
    public void Mesa_experiment_runs_the_four_methods_per_seed()
    {
        var environment = EnvironmentRegistry.Default.Get("navigation1");
        var runs = new MesaExperiment(environment, ExperimentBudget.Smoke(environment) with { Episodes = 2 }).Run(1);
        Assert.Equal(MesaExperiment.Methods, runs.Select(r => r.Method));
        Assert.All(runs, r => Assert.Equal(2, r.Result.Episodes.Count));
        var summaries = ExperimentReport.Summarize(runs);
        Assert.Equal(4, summaries.Count);
    }

    [Fact]
    public void Mesa_experiment_from_a_first_seed_runs_those_seeds_as_a_full_run_would()
    {
        var environment = EnvironmentRegistry.Default.Get("navigation1");
        var budget = ExperimentBudget.Smoke(environment) with { Episodes = 1 };
        var later = new MesaExperiment(environment, budget).Run(1, firstSeed: 1);
        Assert.All(later, r => Assert.Equal(1, r.Seed));
        var full = new MesaExperiment(environment, budget).Run(2).Where(r => r.Seed == 1).ToList();
        Assert.Equal(full.Select(r => r.Result.Episodes[0].Return), later.Select(r => r.Result.Episodes[0].Return));
    }

    [Fact]
    public void Mesa_experiment_with_a_method_subset_runs_those_runs_as_the_full_experiment_does()
    {
        var environment = EnvironmentRegistry.Default.Get("navigation1");
        var budget = ExperimentBudget.Smoke(environment) with { Episodes = 2 };
        var full = new MesaExperiment(environment, budget).Run(1);
        var subset = new MesaExperiment(environment, budget, new MesaExperimentSettings { Methods = ["unconstrained", "multitask"] }).Run(1);
        Assert.Equal(["multitask", "unconstrained"], subset.Select(r => r.Method));
        foreach (var run in subset)
            Assert.Equal(full.Single(r => r.Method == run.Method).Result.Episodes.Select(e => e.Return), run.Result.Episodes.Select(e => e.Return));
    }

    [Fact]
    public void Mesa_experiment_with_the_margin_objective_changes_only_the_recovery_runs_and_is_deterministic()
    {
        DebianPackages.EnsureInstalled(OfflineSafety.Envs.MuJoCo.MuJoCoLibrary.Package);
        var environment = EnvironmentRegistry.Default.Get("halfcheetah-disabled");
        var budget = ExperimentBudget.Smoke(environment) with { Episodes = 1 };
        string[] methods = ["mesa", "unconstrained"];
        var risk = new MesaExperiment(environment, budget, new MesaExperimentSettings { Methods = methods }).Run(1);
        var margin = new MesaExperiment(environment, budget, new MesaExperimentSettings { Methods = methods, Recovery = new RecoveryRlVariation { Objective = RecoveryObjective.Margin, MarginPretrainSteps = 20 } }).Run(1);
        var again = new MesaExperiment(environment, budget, new MesaExperimentSettings { Methods = methods, Recovery = new RecoveryRlVariation { Objective = RecoveryObjective.Margin, MarginPretrainSteps = 20 } }).Run(1);
        static IEnumerable<(float, int, int)> Of(MethodRun r) => r.Result.Episodes.Select(e => (e.Return, e.Steps, e.RecoverySteps));
        Assert.Equal(Of(risk[1]), Of(margin[1]));   // unconstrained reads no recovery
        Assert.NotEqual(Of(risk[0]), Of(margin[0]));
        Assert.Equal(margin.Select(Of), again.Select(Of));
    }

    [Fact]
    public void Mesa_experiment_method_subset_rejects_unknown_or_empty_lists_naming_the_flag()
    {
        Assert.Equal(MesaExperiment.Methods, MesaExperiment.SelectMethods(null));
        Assert.Contains("--methods", Assert.Throws<OfflineSafety.Errors.BadInputException>(() => MesaExperiment.SelectMethods(["sac"])).Message);
        Assert.Contains("--methods", Assert.Throws<OfflineSafety.Errors.BadInputException>(() => MesaExperiment.SelectMethods([])).Message);
    }

    [Fact]
    public void Mesa_experiment_takes_the_papers_risk_settings_unless_overridden()
    {
        var environment = EnvironmentRegistry.Default.Get("ant-disabled");
        var budget = ExperimentBudget.Smoke(environment);
        Assert.Equal(new OfflineSafety.Meta.Critics.RiskSettings(0.8f, 0.3f), new MesaExperiment(environment, budget).Risk);
        var risk = new OfflineSafety.Meta.Critics.RiskSettings(0.95f, 0.2f);
        Assert.Equal(risk, new MesaExperiment(environment, budget, new MesaExperimentSettings { Risk = risk }).Risk);
    }

    [Fact]
    public void Mesa_experiment_with_sac_replay_training_sets_changes_only_what_reads_them()
    {
        var environment = EnvironmentRegistry.Default.Get("navigation1");
        var budget = ExperimentBudget.Smoke(environment) with { Episodes = 2 };
        var recipe = new MesaExperiment(environment, budget).Run(1);
        var sac = new MesaExperiment(environment, budget, new MesaExperimentSettings { TrainingCollection = TrainingCollections.Create(TrainingCollections.Sac, budget.Sac) }).Run(1);
        double FirstReturn(IReadOnlyList<MethodRun> runs, string method) => runs.Single(r => r.Method == method).Result.Episodes[0].Return;
        // RRL trains on the test set and Unconstrained on nothing offline: the test set is the recipe's either way.
        Assert.Equal(FirstReturn(recipe, "rrl"), FirstReturn(sac, "rrl"));
        Assert.Equal(FirstReturn(recipe, "unconstrained"), FirstReturn(sac, "unconstrained"));
        Assert.Equal(MesaExperiment.Methods, sac.Select(r => r.Method));
    }

    [Fact]
    public void Mesa_experiment_runs_are_the_same_episodes_and_notes_for_any_number_of_workers()
    {
        var environment = EnvironmentRegistry.Default.Get("navigation1");
        var budget = ExperimentBudget.Smoke(environment) with { Episodes = 3 };
        // Restart training sets make every seed write probe notes, whose order must not depend on the workers either.
        MesaExperiment Experiment() => new(environment, budget, new MesaExperimentSettings { TrainingCollection = TrainingCollections.Create(TrainingCollections.Recipe, budget.Sac, 2) });
        var serial = Experiment();
        var one = serial.Run(3, firstSeed: 1);
        var parallel = Experiment();
        var phases = new List<double>();
        var three = parallel.Run(3, p => phases.Add(p.Fraction), firstSeed: 1, workers: 3);

        Assert.Equal(one.Select(r => (r.Method, r.Seed)), three.Select(r => (r.Method, r.Seed)));
        foreach (var (a, b) in one.Zip(three)) Assert.Equal(a.Result.Episodes, b.Result.Episodes);
        Assert.NotEmpty(serial.Notes);
        Assert.Equal(serial.Notes, parallel.Notes);
        Assert.Equal(phases.Order(), phases); // seeds side by side still report a fraction that only grows...
        Assert.InRange(phases[^2], 0, 1);     // ...and the phases' work adds up to the total
    }

    [Fact]
    public void Mesa_experiment_progress_weighs_the_online_runs_by_their_work_not_by_their_count()
    {
        var environment = EnvironmentRegistry.Default.Get("navigation1");
        var budget = ExperimentBudget.Smoke(environment) with { Episodes = 3 };
        var seen = new List<ExperimentProgress>();
        var experiment = new MesaExperiment(environment, budget);
        experiment.Run(1, seen.Add);

        // Counted as phases, the four offline phases were 4 of 8 (50%) before the first episode.
        var firstOnline = seen.First(p => p.Phase.Contains("online", StringComparison.Ordinal));
        double offline = ExperimentBudget.CollectionWork((long)budget.TrainingVariants * budget.TransitionsPerVariant + budget.TestTransitions)
            + budget.MesaWork(budget.Mesa(experiment.Risk, 0)) + 2 * budget.UpdateWork(budget.MultiTaskSteps + budget.AdaptSteps);
        double online = 4 * budget.OnlineWork(environment.Horizon);
        Assert.Equal(offline / (offline + online), firstOnline.Fraction, 9);
        Assert.InRange(firstOnline.Fraction, 0.001, 0.1);
        Assert.Equal(seen.Select(p => p.Fraction).Order(), seen.Select(p => p.Fraction));
        Assert.Equal(1.0, seen[^1].Fraction);
    }

    [Fact]
    public void Mesa_experiment_progress_moves_within_the_offline_training_phases()
    {
        // At the paper budget MESA's meta-training alone runs for minutes; the bar must not stand still.
        var environment = EnvironmentRegistry.Default.Get("navigation1");
        var budget = ExperimentBudget.Smoke(environment) with { Episodes = 1 };
        var seen = new List<ExperimentProgress>();
        new MesaExperiment(environment, budget).Run(1, seen.Add);

        var mesa = seen.Where(p => p.Phase.EndsWith("MESA meta-training", StringComparison.Ordinal)).ToList();
        Assert.Equal($"iteration {budget.MetaIterations}/{budget.MetaIterations}", mesa[^1].Detail);
        Assert.True(mesa.Count > 2, $"{mesa.Count} reports in MESA's phase");
        Assert.Contains(seen, p => p.Phase.EndsWith("Multi-Task training", StringComparison.Ordinal) && p.Detail == $"step {budget.MultiTaskSteps}/{budget.MultiTaskSteps}");
        Assert.Contains(seen, p => p.Phase.EndsWith("RRL (test data only)", StringComparison.Ordinal) && p.Detail == $"step {budget.MultiTaskSteps}/{budget.MultiTaskSteps}");
        Assert.Equal(seen.Select(p => p.Fraction).Order(), seen.Select(p => p.Fraction));
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(3, 1)]
    [InlineData(2, 2)]
    [InlineData(2, 8)]
    [InlineData(64, 64)]
    public void Seeds_side_by_side_share_the_cores(int seeds, int workers)
    {
        var compute = SeedParallel.LaneCompute(seeds, workers);
        int lanes = Math.Min(seeds, workers);
        if (lanes == 1) Assert.Same(Nn.Kernels.ComputeOptions.Default, compute);
        else Assert.Equal(Math.Max(1, Environment.ProcessorCount / lanes), compute.Threads);
    }

    [Fact]
    public void Paper_budget_weights_give_the_offline_phases_the_share_of_time_they_took()
    {
        // Cart-pole-Length (MuJoCo) at the paper budget, 3 seeds, 2026-12-07: the offline phases took
        // 5.1 of 64.2 min (8%); the earlier weights, counted in updates, showed them as 17%.
        var environment = EnvironmentRegistry.Default.Get("cartpole-mujoco");
        var budget = ExperimentBudget.Paper(environment);
        var experiment = new MesaExperiment(environment, budget);
        double offline = ExperimentBudget.CollectionWork((long)budget.TrainingVariants * budget.TransitionsPerVariant + budget.TestTransitions)
            + budget.MesaWork(budget.Mesa(experiment.Risk, 0)) + 2 * budget.UpdateWork(budget.MultiTaskSteps + budget.AdaptSteps);
        double online = 4 * budget.OnlineWork(environment.Horizon);
        Assert.InRange(offline / (offline + online), 0.06, 0.10);
    }

    [Fact]
    public void Mesa_experiment_with_restart_labels_changes_only_what_reads_the_training_sets()
    {
        var environment = EnvironmentRegistry.Default.Get("navigation1");
        var budget = ExperimentBudget.Smoke(environment) with { Episodes = 2 };
        var recipe = new MesaExperiment(environment, budget).Run(1);
        var restart = new MesaExperiment(environment, budget, new MesaExperimentSettings { TrainingCollection = TrainingCollections.Create(TrainingCollections.Recipe, budget.Sac, 4) }).Run(1);
        double FirstReturn(IReadOnlyList<MethodRun> runs, string method) => runs.Single(r => r.Method == method).Result.Episodes[0].Return;
        Assert.Equal(FirstReturn(recipe, "rrl"), FirstReturn(restart, "rrl"));
        Assert.Equal(FirstReturn(recipe, "unconstrained"), FirstReturn(restart, "unconstrained"));
    }

    [Fact]
    public void Mesa_experiment_with_recovery_cloning_changes_only_mesa_and_multitask_and_reports_its_demonstrations()
    {
        var environment = EnvironmentRegistry.Default.Get("navigation1");
        var budget = ExperimentBudget.Smoke(environment) with { Episodes = 2 };
        var restarts = TrainingCollections.Create(TrainingCollections.Recipe, budget.Sac, 4);
        var plain = new MesaExperiment(environment, budget, new MesaExperimentSettings { TrainingCollection = restarts });
        var plainRuns = plain.Run(1);
        var cloned = new MesaExperiment(environment, budget, new MesaExperimentSettings { TrainingCollection = restarts, RecoveryCloning = 1f });
        var clonedRuns = cloned.Run(1);
        double FirstReturn(IReadOnlyList<MethodRun> runs, string method) => runs.Single(r => r.Method == method).Result.Episodes[0].Return;
        Assert.Equal(FirstReturn(plainRuns, "rrl"), FirstReturn(clonedRuns, "rrl"));
        Assert.Equal(FirstReturn(plainRuns, "unconstrained"), FirstReturn(clonedRuns, "unconstrained"));
        Assert.Single(cloned.Notes, n => n.Contains("recovery cloning (beta 1)"));
        Assert.DoesNotContain(plain.Notes, n => n.Contains("recovery cloning"));
        // Both runs probe every recovery policy before and after its online run (mesa, multitask, rrl).
        Assert.Equal(6, plain.Notes.Count(n => n.Contains("held-out near-violation states")));
        Assert.Equal(6, cloned.Notes.Count(n => n.Contains("held-out near-violation states")));
    }

    [Fact]
    public void Restart_labels_are_opt_in_and_named()
    {
        // Off (0), the collection is the plain one: the rows are exactly the recipe's.
        Assert.Same(OfflineSafety.Envs.Collection.RecipeCollection.Instance, TrainingCollections.Create("recipe", new SacSettings(), 0));
        var restart = Assert.IsType<OfflineSafety.Envs.Collection.RestartLabelCollection>(TrainingCollections.Create("recipe", new SacSettings(), 8, 20));
        Assert.Equal((8, 20), (restart.ActionsPerState, restart.Horizon));
        Assert.Equal("recipe+restart8h20", restart.Name);
        Assert.Contains("--restart-labels", Assert.Throws<OfflineSafety.Errors.BadInputException>(() => TrainingCollections.Create("recipe", new SacSettings(), -1)).Message);
        Assert.Contains("--restart-horizon", Assert.Throws<OfflineSafety.Errors.BadInputException>(() => TrainingCollections.Create("recipe", new SacSettings(), 1, 0)).Message);
        var plan = CriticsExperimentPlan.QuickPlan("ant-disabled", 1);
        Assert.Equal("critics-ant-disabled-quick-restart8h25-s0", (plan with { RestartLabels = 8 }).SuiteDataset);
        Assert.Equal(plan.HeldOutDataset, (plan with { RestartLabels = 8 }).HeldOutDataset);
    }

    [Fact]
    public void Training_collections_are_named_and_an_unknown_one_is_a_user_error()
    {
        Assert.Same(OfflineSafety.Envs.Collection.RecipeCollection.Instance, TrainingCollections.Create("recipe", new SacSettings()));
        Assert.IsType<SacReplayCollection>(TrainingCollections.Create("sac", new SacSettings()));
        var error = Assert.Throws<OfflineSafety.Errors.BadInputException>(() => TrainingCollections.Create("random", new SacSettings()));
        Assert.Contains("--training-collection", error.Message);

        // The critics experiment stores SAC-collected suites under their own name and shares the held-out rows.
        var recipePlan = CriticsExperimentPlan.QuickPlan("ant-disabled", 1);
        var sacPlan = recipePlan with { TrainingCollection = TrainingCollections.Sac };
        Assert.Equal("critics-ant-disabled-quick-s0", recipePlan.SuiteDataset);
        Assert.Equal("critics-ant-disabled-quick-sac-s0", sacPlan.SuiteDataset);
        Assert.Equal(recipePlan.HeldOutDataset, sacPlan.HeldOutDataset);
        Assert.Equal(ExperimentBudget.Quick(EnvironmentRegistry.Default.Get("ant-disabled")).Sac.Hidden, sacPlan.CollectionSac.Hidden);
    }

    [Fact]
    public void Recovery_experiment_progress_weighs_the_pretraining_against_the_online_runs()
    {
        var environment = EnvironmentRegistry.Default.Get("navigation2");
        var budget = ExperimentBudget.Smoke(environment) with { Episodes = 2 };
        var seen = new List<ExperimentProgress>();
        new RecoveryExperiment(environment, budget).Run(1, [OnlineAlgorithm.Recovery, OnlineAlgorithm.Sqrl], seen.Add);

        var safety = budget.Safety(environment.Id);
        double offline = ExperimentBudget.CollectionWork(budget.OfflineTransitions) + budget.UpdateWork(2L * safety.PretrainSteps);
        double online = budget.OnlineWork(environment.Horizon);
        Assert.Equal(offline / (offline + 2 * online), seen.First(p => p.Phase.EndsWith(": recovery", StringComparison.Ordinal)).Fraction, 9);
        Assert.Equal((offline + online) / (offline + 2 * online), seen.First(p => p.Phase.EndsWith(": sqrl", StringComparison.Ordinal)).Fraction, 9);
        Assert.Equal(1.0, seen[^1].Fraction);
    }

    [Fact]
    public async Task Recovery_experiment_shares_one_pretrained_critic_across_methods()
    {
        var environment = EnvironmentRegistry.Default.Get("navigation2");
        var runs = new RecoveryExperiment(environment, ExperimentBudget.Smoke(environment) with { Episodes = 2 })
            .Run(2, [OnlineAlgorithm.Recovery, OnlineAlgorithm.Sqrl, OnlineAlgorithm.Rcpo]);
        Assert.Equal(["recovery", "sqrl", "rcpo", "recovery", "sqrl", "rcpo"], runs.Select(r => r.Method));
        Assert.Equal([0, 0, 0, 1, 1, 1], runs.Select(r => r.Seed));
        // Two seeds side by side, each on its share of the cores (RCPO's batch scoring included): the same runs, in the same order.
        var parallel = new RecoveryExperiment(environment, ExperimentBudget.Smoke(environment) with { Episodes = 2 })
            .Run(2, [OnlineAlgorithm.Recovery, OnlineAlgorithm.Sqrl, OnlineAlgorithm.Rcpo], workers: 2);
        Assert.Equal(runs.Select(r => (r.Method, r.Seed)), parallel.Select(r => (r.Method, r.Seed)));
        foreach (var (a, b) in runs.Zip(parallel)) Assert.Equal(a.Result.Episodes, b.Result.Episodes);
        string folder = Path.Combine(Path.GetTempPath(), "offsafe-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            string report = await ExperimentReport.WriteAsync(new LocalObjectStore(folder), "recovery", "t", "cmd", ExperimentBudget.Smoke(environment), runs);
            Assert.StartsWith(Path.Combine(folder, "runs", "recovery-"), report);
            string text = File.ReadAllText(report);
            Assert.Contains("| recovery | 2 |", text);
            Assert.Contains("<svg", File.ReadAllText(Path.Combine(Path.GetDirectoryName(report)!, "cumulative-successes.svg")));
            var episodes = File.ReadAllLines(Path.Combine(Path.GetDirectoryName(report)!, "episodes.csv"));
            Assert.StartsWith("method,seed,episode,", episodes[0]);
            Assert.Equal(1 + runs.Sum(r => r.Result.Episodes.Count), episodes.Length);
            Assert.StartsWith("recovery,0,", episodes[1]);
        }
        finally { Directory.Delete(folder, true); }
    }
}
