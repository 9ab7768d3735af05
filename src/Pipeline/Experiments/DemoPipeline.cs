using OfflineSafety.Envs;
using OfflineSafety.Envs.Suites;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Adaptation;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Hyperparameters;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Storage;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>What the demo produced, for the summary and the tests.</summary>
public sealed record DemoResult(string Dataset, string BaseModel, string AdaptedModel, string OnlineDataset, IReadOnlyList<MethodRun> Runs);

/// <summary>
/// The whole system end to end on one small Navigation suite: generate it, commit it as a dataset
/// version, read it back, meta-train a critic with MESA on the training variants, adapt it (and
/// train its recovery policy) on the held-out variant's few rows, publish both to the registry,
/// then run Recovery RL with the adapted critic beside Unconstrained SAC in the held-out variant,
/// recording the online experience as a new dataset version.
/// </summary>
public sealed class DemoPipeline(IObjectStore objects, EnvironmentDefinition environment, ExperimentBudget budget, int seed)
{
    public const string DatasetName = "demo-suite";
    public const string OnlineDatasetName = "demo-online";
    public const string ModelName = "demo-mesa";

    public async Task<DemoResult> RunAsync(Action<ExperimentProgress>? progress = null, CancellationToken ct = default)
    {
        void Phase(string name, double fraction) => progress?.Invoke(new ExperimentProgress(name, fraction));
        var risk = DomainHyperparameterTable.For(environment.Id).Risk;

        Phase("generating suite", 0);
        var suite = new SuiteGenerator().Generate(new SuiteRequest(environment.Id, budget.TrainingVariants, budget.TransitionsPerVariant,
            "auto", budget.TestTransitions, (ulong)seed), ct: ct);

        Phase("ingesting suite", 0.05);
        var store = new DatasetStore(objects);
        // A rerun replaces the suite rather than adding to it, so the same seed trains on the same
        // rows in a used store as in a fresh one; earlier runs' rows stay readable by version.
        var version = (await SuiteDataset.WriteAsync(store, DatasetName, suite, WriteMode.Overwrite, ct)).Version;
        var snapshot = await store.SnapshotAsync(new DatasetReference(DatasetName, version.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)), ct);
        var stored = await store.ReadAsync(DatasetName, snapshot, null, ct: ct);
        string testVariant = suite.Test.Variant.Variant.Id;
        var trainingVariants = suite.Training.Select(v => v.Variant.Variant.Id).ToArray();
        var training = TaskRows.PerVariant(stored, trainingVariants);
        var test = TaskRows.Select(stored, [testVariant], "test");

        Phase("MESA meta-training", 0.1);
        var config = budget.Mesa(risk, seed);
        var mesa = new MesaTrainer(config).Train(training, ct: ct);
        var registry = new ModelRegistry(objects);
        var lineage = new DatasetLineage(DatasetName, version.Version, version.TableId, trainingVariants);
        var baseCard = await registry.PublishAsync(ModelCard.For(ModelName, "mesa", mesa.Critic, risk.GammaRisk, risk.EpsRisk, seed, config,
            mesa.Metrics, new ModelLineage(lineage, null, CodeVersion.Current)), mesa.Critic, null, ct);

        Phase("adapting to the held-out variant", 0.4);
        var adaptation = budget.Adaptation(environment.Id, seed);
        var adapted = new CriticAdaptation(adaptation).Adapt(mesa.Critic, risk.GammaRisk, test, ct: ct);
        var adaptedCard = await registry.PublishAsync(ModelCard.For(ModelName + "-adapted", "adapted", adapted.Critic, risk.GammaRisk, risk.EpsRisk, seed,
            adaptation, adapted.Metrics, new ModelLineage(lineage with { Variants = [testVariant] }, baseCard.Reference, CodeVersion.Current), budget.Hidden),
            adapted.Critic, adapted.Recovery, ct);

        // The online phase starts from the registry copy, as `offsafe online --critic` would.
        var model = await registry.LoadAsync(ModelReference.Parse(adaptedCard.Reference), ct);
        var testRows = stored.Where(i => stored.Variant[i] == testVariant);
        var safety = budget.Safety(environment.Id);
        var runs = new List<MethodRun>();
        var recorded = new Envs.Collection.TransitionCollector(environment.ObservationSpace.Dim, environment.ActionSpace.Dim, 2 * budget.Episodes * environment.Horizon);
        var methods = new[] { OnlineAlgorithm.Recovery, OnlineAlgorithm.Unconstrained };
        for (int m = 0; m < methods.Length; m++)
        {
            var method = methods[m];
            Phase($"online {method.Name()}", 0.5 + 0.25 * m);
            var options = new OnlineRunOptions(method, budget.Episodes, seed, $"demo-{method.Name()}-s{seed}") { Sac = budget.Sac, Safety = safety };
            var start = method == OnlineAlgorithm.Recovery ? new OnlineStart(model.Critic, model.Recovery, testRows) : new OnlineStart(null, null, testRows);
            var env = environment.Create(suite.Test.Variant.Variant, (ulong)(7919 * (seed + 1)));
            runs.Add(new MethodRun(method.Name(), seed, new OnlineRunner(env, start, options).Run(recorded, ct: ct)));
        }

        Phase("recording online experience", 0.98);
        var online = (await SuiteDataset.WriteAsync(store, OnlineDatasetName, environment, recorded.Batch,
            [suite.Test.Variant.Variant], "ONLINE", WriteMode.Overwrite, ct)).Version;
        Phase("done", 1);
        return new DemoResult(version.ToString(), baseCard.Reference, adaptedCard.Reference, online.ToString(), runs);
    }
}
