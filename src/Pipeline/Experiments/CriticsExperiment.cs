using OfflineSafety.Envs;
using OfflineSafety.Envs.Suites;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Adaptation;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Evaluation;
using OfflineSafety.Meta.Hyperparameters;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Storage;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>One held-out measurement: a method's critic for one seed after a number of adaptation steps.</summary>
public sealed record CriticResult(string Method, int Seed, int Steps, double Auc, double Brier);

/// <summary>
/// How big the critics experiment is. <see cref="Full"/> is the paper's setting (Table B.1 suite,
/// algorithms.md section 3 iterations); <see cref="Quick"/> shrinks data and iterations so a run
/// fits in minutes on a laptop, keeping every algorithmic setting except the ones named here.
/// Quick mode also raises MESA's outer Adam rate from 1e-5 to 1e-3: over 600 meta-iterations
/// 1e-5 moves no weight by more than about 0.006, so the critic would stay at its initialisation.
/// </summary>
public sealed record CriticsExperimentPlan
{
    public required string Environment { get; init; }
    public int Seeds { get; init; } = 3;
    public ulong SuiteSeed { get; init; }
    public int? TrainingVariants { get; init; }
    public int? TransitionsPerVariant { get; init; }

    /// <summary>Rows of the separate held-out sample of the test variant (not the adaptation set).</summary>
    public int HeldOutTransitions { get; init; } = 5_000;
    public int MesaIterations { get; init; } = 10_000;
    public int MultiTaskSteps { get; init; } = 10_000;

    /// <summary>Steps of RRL, which trains on the test set only; null: the environment's <see cref="DomainHyperparameters.TestOnlySteps"/>.</summary>
    public int? TestOnlySteps { get; init; }

    /// <summary>Outer Adam rate for MESA; null keeps the paper's 1e-5.</summary>
    public float? MesaOuterLearningRate { get; init; }

    /// <summary>The outer rate MESA trains with: the override, else the paper's.</summary>
    public float MesaOuterRate => MesaOuterLearningRate ?? new MesaSettings().OuterLearningRate;

    /// <summary>
    /// MESA's network. The MESA code's 3x100 by default; the baselines always train the thesis's
    /// 2x256, so 2x256 here asks whether a gap comes from the method or from the network.
    /// </summary>
    public CriticArchitecture MesaArchitecture { get; init; } = CriticArchitecture.ThreeBy100;
    public int? AdaptationSteps { get; init; }
    public bool Quick { get; init; }

    /// <summary>How the training variants are collected (<see cref="TrainingCollections"/>); the held-out rows always follow the recipe.</summary>
    public string TrainingCollection { get; init; } = TrainingCollections.Recipe;

    /// <summary>Recoverability restarts per near-violation training state (0: none; <see cref="TrainingCollections.Create"/>).</summary>
    public int RestartLabels { get; init; }

    public int RestartHorizon { get; init; } = TrainingCollections.DefaultRestartHorizon;

    /// <summary>The SAC an "sac" training collection runs: the experiments' quick or paper SAC, as the plan is.</summary>
    public SacSettings CollectionSac => (Quick ? ExperimentBudget.Quick(EnvironmentRegistry.Default.Get(Environment)) : ExperimentBudget.Paper(EnvironmentRegistry.Default.Get(Environment))).Sac;

    public static CriticsExperimentPlan Full(string environment, int seeds) => new()
    {
        Environment = environment,
        Seeds = seeds,
        MesaIterations = DomainHyperparameterTable.For(environment).MetaIterations,
        MultiTaskSteps = DomainHyperparameterTable.For(environment).MetaIterations,
    };

    public static CriticsExperimentPlan QuickPlan(string environment, int seeds) => new()
    {
        Environment = environment,
        Seeds = seeds,
        Quick = true,
        // The disabled-joint suites have 3-4 training variants; no quick plan asks for more than the paper's.
        TrainingVariants = Math.Min(8, EnvironmentRegistry.Default.Get(environment).Defaults.TrainingVariants),
        // The experiments' quick rule (a tenth of the paper's rows, at least 3,000) and a held-out
        // sample of at least 20 collection rollouts: 3,000 rows are 3 rollouts of a locomotion
        // domain, which may hold no fall at all (Ant's did not: AUC undefined).
        TransitionsPerVariant = ExperimentBudget.Quick(EnvironmentRegistry.Default.Get(environment)).TransitionsPerVariant,
        HeldOutTransitions = Math.Max(3_000, 20 * EnvironmentRegistry.Default.Get(environment).Collection.RolloutSteps),
        MesaIterations = 600,
        MesaOuterLearningRate = 1e-3f,
        MultiTaskSteps = 600,
        TestOnlySteps = 600,
    };

    public string SuiteDataset => $"critics-{Environment}{(Quick ? "-quick" : "")}{(TrainingCollection == TrainingCollections.Recipe ? "" : "-" + TrainingCollection)}{(RestartLabels == 0 ? "" : $"-restart{RestartLabels}h{RestartHorizon}")}-s{SuiteSeed}";
    public string HeldOutDataset => $"critics-{Environment}{(Quick ? "-quick" : "")}-s{SuiteSeed}-heldout";
}

/// <summary>
/// MESA vs Multi-Task vs RRL (test-only) on one environment, measured offline: the three critics
/// are trained per seed, each adapted on the small test-variant set, and scored after
/// 0, 1, 5, 10, 20 and M adaptation steps on a separate, larger sample of the test variant, so the
/// score includes states the small adaptation set does not cover. Beside them, a non-neural
/// reference (<see cref="BoostedTreeReference"/>, "gbm") fitted to every suite row the critics
/// learn from (training variants and the test set), scored on the same held-out rows; it does not
/// adapt, so its score is the same at every step.
/// </summary>
public sealed class CriticsExperiment(IObjectStore objects)
{
    public static readonly string[] Methods = ["mesa", "multitask", "rrl"];
    public const string Reference = "gbm";

    /// <summary>The rows of every table and figure: the three critics, then the reference.</summary>
    public static readonly string[] Reported = [.. Methods, Reference];

    public sealed record Progress(string Stage, int Step, int TotalSteps, float Loss);

    public async Task<IReadOnlyList<CriticResult>> RunAsync(CriticsExperimentPlan plan, Action<Progress>? progress, CancellationToken ct)
    {
        var definition = EnvironmentRegistry.Default.Get(plan.Environment);
        var domain = DomainHyperparameterTable.For(plan.Environment);
        var risk = domain.Risk;
        var (suite, testVariant) = await SuiteAsync(plan, definition, progress, ct);
        var heldOut = await HeldOutAsync(plan, definition, testVariant, progress, ct);
        var actionBox = new ActionBox(definition.ActionSpace.Low.ToArray(), definition.ActionSpace.High.ToArray());

        var trainingVariants = TaskRows.Variants(suite).Where(v => v != testVariant).ToArray();
        var trainingTasks = TaskRows.PerVariant(suite, trainingVariants);
        var testRows = TaskRows.Select(suite, [testVariant], testVariant);
        var adaptation = AdaptationSettings.For(plan.Environment) with { TrainRecoveryPolicy = false };
        if (plan.AdaptationSteps is { } m) adaptation = adaptation with { Steps = m };
        var checkpoints = new SortedSet<int> { 0, 1, 5, 10, 20, adaptation.Steps }.Where(s => s <= adaptation.Steps).ToHashSet();

        var results = new List<CriticResult>();
        for (int seed = 0; seed < plan.Seeds; seed++)
        {
            foreach (var method in Methods)
            {
                ct.ThrowIfCancellationRequested();
                string stage = $"seed {seed} {method}";
                Action<TrainingProgress> report = p => progress?.Invoke(new Progress(stage, p.Step, p.TotalSteps, p.Loss));
                var critic = method switch
                {
                    "mesa" => new MesaTrainer(new MesaSettings
                    {
                        MetaIterations = plan.MesaIterations,
                        OuterLearningRate = plan.MesaOuterRate,
                        Architecture = plan.MesaArchitecture,
                        GammaRisk = risk.GammaRisk,
                        EpsRisk = risk.EpsRisk,
                        Seed = seed,
                    }).Train(trainingTasks, actionBox, report, ct).Critic,
                    "multitask" => new MultiTaskTrainer(new CriticTrainingSettings
                    {
                        Steps = plan.MultiTaskSteps,
                        GammaRisk = risk.GammaRisk,
                        EpsRisk = risk.EpsRisk,
                        Seed = seed,
                    }).Train(trainingTasks, actionBox, report, ct).Critic,
                    _ => new SingleDatasetTrainer(new CriticTrainingSettings
                    {
                        Steps = plan.TestOnlySteps ?? domain.TestOnlySteps,
                        BatchSize = adaptation.BatchSize,
                        GammaRisk = risk.GammaRisk,
                        EpsRisk = risk.EpsRisk,
                        Seed = seed,
                    }).Train(testRows, actionBox, report, ct).Critic,
                };
                string adaptStage = $"seed {seed} {method} adapt";
                new CriticAdaptation(adaptation with { Seed = seed }).Adapt(critic, risk.GammaRisk, testRows, checkpoints,
                    (step, adapted) =>
                    {
                        var r = CriticEvaluation.Evaluate(adapted, heldOut, risk.GammaRisk, seed: seed, cancellationToken: ct);
                        results.Add(new CriticResult(method, seed, step, r.Auc, r.Brier));
                    },
                    p => progress?.Invoke(new Progress(adaptStage, p.Step, p.TotalSteps, p.Loss)), ct);
            }
            progress?.Invoke(new Progress($"seed {seed} {Reference}", 0, 1, float.NaN));
            var treeSettings = new BoostedTreeSettings { GammaRisk = risk.GammaRisk, Seed = seed };
            var scores = BoostedTreeReference.Train(suite, treeSettings, ct).Evaluate(heldOut, treeSettings);
            foreach (int step in checkpoints.Order())
                results.Add(new CriticResult(Reference, seed, step, scores.Auc, scores.Brier));
            progress?.Invoke(new Progress($"seed {seed} {Reference}", 1, 1, float.NaN));
        }
        return results;
    }

    // The suite is generated once per (environment, size, seed) and reused from the store afterwards.
    private async Task<(TransitionBatch Suite, string TestVariant)> SuiteAsync(CriticsExperimentPlan plan, EnvironmentDefinition definition,
        Action<Progress>? progress, CancellationToken ct)
    {
        var request = new SuiteRequest(definition.Id,
            plan.TrainingVariants ?? definition.Defaults.TrainingVariants,
            plan.TransitionsPerVariant ?? definition.Defaults.TransitionsPerVariant,
            "auto", definition.Defaults.TestTransitions, plan.SuiteSeed);
        string testVariant = new SuiteGenerator().Plan(request)[^1].Variant.Id;
        var generator = new SuiteGenerator(trainingCollection: TrainingCollections.Create(plan.TrainingCollection, plan.CollectionSac, plan.RestartLabels, plan.RestartHorizon));
        var batch = await ReadOrGenerateAsync(plan.SuiteDataset, generator, request, progress, ct);
        return (batch, testVariant);
    }

    private Task<TransitionBatch> HeldOutAsync(CriticsExperimentPlan plan, EnvironmentDefinition definition, string testVariant,
        Action<Progress>? progress, CancellationToken ct)
    {
        // A different suite seed gives fresh episodes of the same (explicitly named) test variant.
        var request = new SuiteRequest(definition.Id, 0, 1, testVariant, plan.HeldOutTransitions, plan.SuiteSeed + 1_000_003);
        return ReadOrGenerateAsync(plan.HeldOutDataset, new SuiteGenerator(), request, progress, ct);
    }

    private async Task<TransitionBatch> ReadOrGenerateAsync(string name, SuiteGenerator generator, SuiteRequest request,
        Action<Progress>? progress, CancellationToken ct)
    {
        var store = new DatasetStore(objects);
        var reference = new DatasetReference(name, null);
        if ((await store.ListAsync(ct)).Contains(name))
        {
            var existing = await store.ReadAsync(reference, null, ct);
            if (existing.Count > 0)
            {
                RequirePlannedVariants(name, existing, request);
                return existing;
            }
        }
        var suite = generator.Generate(request, p => progress?.Invoke(new Progress($"generate {name}", (int)p.RowsDone, (int)p.RowsTotal, float.NaN)), ct);
        await SuiteDataset.WriteAsync(store, name, suite, ct: ct);
        // Train on what the store returns, so a first run and a later reuse see identical rows in identical order.
        return await store.ReadAsync(reference, null, ct);
    }

    // A stored suite from another plan (another seed's draws, or an earlier release whose held-out
    // variant differed) would otherwise be reused silently, and its test split would come out wrong
    // or empty.
    private static void RequirePlannedVariants(string name, TransitionBatch stored, SuiteRequest request)
    {
        var planned = new SuiteGenerator().Plan(request).Select(v => v.Variant.Id).ToHashSet(StringComparer.Ordinal);
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var variant in stored.Variant) found.Add(variant);
        if (found.SetEquals(planned)) return;
        string missing = string.Join(", ", planned.Except(found).Order(StringComparer.Ordinal).Take(3));
        string extra = string.Join(", ", found.Except(planned).Order(StringComparer.Ordinal).Take(3));
        throw new ConflictException(
            $"dataset '{name}' in this store holds other variants than this run plans (missing: {(missing.Length > 0 ? missing : "none")}; " +
            $"unexpected: {(extra.Length > 0 ? extra : "none")}); it was generated by another plan or an earlier release: use another --suite-seed or a fresh --store");
    }
}
