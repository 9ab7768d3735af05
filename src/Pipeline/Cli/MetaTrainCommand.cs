using System.CommandLine;
using System.Diagnostics;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Hyperparameters;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// `offsafe meta-train`: train a safety critic on a stored dataset with MESA, Multi-Task or
/// single-dataset training and publish it to the model registry with its lineage. Every
/// hyperparameter defaults to the trainer's config record; options override one at a time.
/// </summary>
public static class MetaTrainCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "NAME[@REF]: the training dataset.", Required = true };
        var algo = new Option<string>("--algo") { Description = "mesa | multitask | single.", Required = true };
        algo.AcceptOnlyFromAmong("mesa", "multitask", "single");
        var variants = new Option<string[]>("--variants") { Description = "Variants to train on (default: all).", AllowMultipleArgumentsPerToken = true };
        var exclude = new Option<string[]>("--exclude-variant") { Description = "Variant(s) to hold out, e.g. the test variant." };
        var model = new Option<string>("--model") { Description = "Model name to publish as (next version).", Required = true };
        var steps = new Option<int?>("--steps") { Description = "Training steps (meta-iterations for mesa)." };
        var lr = new Option<float?>("--lr") { Description = "Adam learning rate (outer rate alpha_2 for mesa)." };
        var batch = new Option<int?>("--batch-size") { Description = "Batch size (inner and outer for mesa)." };
        var seed = new Option<int?>("--seed") { Description = "Random seed." };
        var arch = new Option<string?>("--arch") { Description = "2x256 | 3x100 | comma list of hidden widths." };
        var heads = new Option<int?>("--heads") { Description = "1 or 2 sigmoid heads (2: pessimistic max)." };
        var gamma = new Option<float?>("--gamma-risk") { Description = "Risk discount (default per environment)." };
        var eps = new Option<float?>("--eps-risk") { Description = "Risk threshold recorded with the model (default per environment)." };
        var tau = new Option<float?>("--tau-safe") { Description = "Polyak rate of the target network (default 20 / steps; the papers: 2e-4, see docs/online.md)." };
        var pos = new Option<double?>("--pos-fraction") { Description = "Fraction of unsafe rows per batch; negative samples the logged ratio." };
        var tasks = new Option<int?>("--tasks-per-iteration") { Description = "mesa: K variants per meta-iteration." };
        var innerSteps = new Option<int?>("--inner-steps") { Description = "mesa: inner SGD steps." };
        var innerLr = new Option<float?>("--inner-lr") { Description = "mesa: inner step size alpha_1 (initial value when learned)." };
        var fixedInner = new Option<bool>("--fixed-inner-lr") { Description = "mesa: do not learn per-tensor inner step sizes." };
        var firstOrder = new Option<bool>("--first-order") { Description = "mesa: first-order MAML (no Hessian term)." };

        var cmd = new Command("meta-train", "Train a safety critic (MESA, Multi-Task or single dataset) and publish it to the model registry.")
        {
            dataset, algo, variants, exclude, model, steps, lr, batch, seed, arch, heads, gamma, eps, tau, pos, tasks, innerSteps, innerLr, fixedInner, firstOrder,
        };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var objects = OpenStore(p);
            string modelName = p.GetValue(model)!;
            ModelReference.ValidateName(modelName);
            var data = await LoadAsync(objects, p.GetValue(dataset)!, null, ct);
            var chosen = (p.GetValue(variants) is { Length: > 0 } v ? v.SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) : data.Lineage.Variants)
                .Except(p.GetValue(exclude) ?? [], StringComparer.Ordinal).Distinct(StringComparer.Ordinal).ToArray();
            var unknown = chosen.Except(data.Lineage.Variants, StringComparer.Ordinal).ToArray();
            if (unknown.Length > 0) throw new ArgumentException($"dataset {data.Lineage} has no variant(s) {string.Join(", ", unknown)}");
            if (chosen.Length == 0) throw new ArgumentException($"no variants left to train on in {data.Lineage}");

            var risk = DomainHyperparameterTable.For(data.Metadata.EnvId).Risk;
            float gammaRisk = p.GetValue(gamma) ?? risk.GammaRisk, epsRisk = p.GetValue(eps) ?? risk.EpsRisk;
            double? posFraction(double? fallback) => p.GetValue(pos) is { } f ? (f < 0 ? null : f) : fallback;
            CriticArchitecture Architecture(CriticArchitecture fallback) =>
                p.GetValue(arch) is { } a ? CriticArchitecture.Parse(a, p.GetValue(heads)) : p.GetValue(heads) is { } h ? fallback with { Heads = h } : fallback;
            CriticTrainingConfig CriticTraining()
            {
                var d = new CriticTrainingConfig();
                return d with
                {
                    Steps = p.GetValue(steps) ?? d.Steps,
                    LearningRate = p.GetValue(lr) ?? d.LearningRate,
                    BatchSize = p.GetValue(batch) ?? d.BatchSize,
                    Seed = p.GetValue(seed) ?? d.Seed,
                    Architecture = Architecture(d.Architecture),
                    GammaRisk = gammaRisk,
                    EpsRisk = epsRisk,
                    TauSafe = p.GetValue(tau) ?? d.TauSafe,
                    PosFraction = posFraction(d.PosFraction),
                };
            }
            var lineage = data.Lineage with { Variants = chosen };
            var clock = Stopwatch.StartNew();
            string algorithm = p.GetValue(algo)!;
            (TrainedCritic Trained, object Config, int Seed) result;
            switch (algorithm)
            {
                case "mesa":
                {
                    var d = new MesaConfig();
                    var c = d with
                    {
                        MetaIterations = p.GetValue(steps) ?? d.MetaIterations,
                        OuterLearningRate = p.GetValue(lr) ?? d.OuterLearningRate,
                        InnerBatchSize = p.GetValue(batch) ?? d.InnerBatchSize,
                        OuterBatchSize = p.GetValue(batch) ?? d.OuterBatchSize,
                        Seed = p.GetValue(seed) ?? d.Seed,
                        Architecture = Architecture(d.Architecture),
                        GammaRisk = gammaRisk,
                        EpsRisk = epsRisk,
                        TauSafe = p.GetValue(tau) ?? d.TauSafe,
                        PosFraction = posFraction(d.PosFraction),
                        TasksPerIteration = p.GetValue(tasks) ?? d.TasksPerIteration,
                        InnerSteps = p.GetValue(innerSteps) ?? d.InnerSteps,
                        InnerLearningRate = p.GetValue(innerLr) ?? d.InnerLearningRate,
                        LearnInnerLearningRates = !p.GetValue(fixedInner),
                        FirstOrder = p.GetValue(firstOrder),
                    };
                    var perVariant = TaskRows.PerVariant(data.Batch, chosen);
                    result = (WithProgress($"mesa {modelName}", progress => new MesaTrainer(c).Train(perVariant, data.ActionBox, progress, ct)), c, c.Seed);
                    break;
                }
                case "multitask":
                {
                    var c = CriticTraining();
                    var perVariant = TaskRows.PerVariant(data.Batch, chosen);
                    result = (WithProgress($"multitask {modelName}", progress => new MultiTaskTrainer(c).Train(perVariant, data.ActionBox, progress, ct)), c, c.Seed);
                    break;
                }
                default:
                {
                    var c = CriticTraining();
                    var rows = TaskRows.Select(data.Batch, chosen);
                    result = (WithProgress($"single {modelName}", progress => new SingleDatasetTrainer(c).Train(rows, data.ActionBox, progress, ct)), c, c.Seed);
                    break;
                }
            }
            double seconds = clock.Elapsed.TotalSeconds;
            var metrics = new Dictionary<string, double>(result.Trained.Metrics) { ["train_seconds"] = seconds };
            var card = ModelCard.For(modelName, algorithm, result.Trained.Critic, gammaRisk, epsRisk, result.Seed, result.Config, metrics,
                new ModelLineage(lineage, null, CodeVersion.Current));
            var stored = await new ModelRegistry(objects).PublishAsync(card, result.Trained.Critic, null, ct);
            return Emit(p, new { model = stored.Reference, algorithm, dataset = lineage.ToString(), variants = chosen, finalLoss = result.Trained.FinalLoss, seconds },
                console => console.WriteLine($"{stored.Reference}: {algorithm} on {lineage} ({chosen.Length} variants), final loss {F(result.Trained.FinalLoss, "0.00000")}, {F(seconds, "0.0")} s"));
        });
        return cmd;
    }
}
