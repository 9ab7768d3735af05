using System.Diagnostics;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Hyperparameters;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Jobs;

/// <summary>
/// Trains a safety critic on a stored dataset with MESA, Multi-Task or single-dataset training and
/// publishes it to the model registry with its lineage. Every hyperparameter defaults to the
/// trainer's config record (gamma_risk and eps_risk to the environment's row of
/// <see cref="DomainHyperparameterTable"/>); the request overrides one at a time.
/// </summary>
public sealed class MetaTrainingJob(IObjectStore objects)
{
    public static readonly string[] Algorithms = ["mesa", "multitask", "single"];

    /// <summary>Trains and publishes the critic as the model's next version.</summary>
    public async Task<MetaTrainingResult> RunAsync(MetaTrainingRequest request, TrainingHost<TrainedCritic>? host = null, CancellationToken ct = default)
    {
        var trained = await TrainAsync(request, host, ct).ConfigureAwait(false);
        var stored = await new ModelRegistry(objects).PublishAsync(trained.Card, trained.Critic, null, ct).ConfigureAwait(false);
        return new MetaTrainingResult(stored, trained.Algorithm, trained.Dataset, trained.FinalLoss, trained.Seconds);
    }

    /// <summary>
    /// Trains the critic and builds its card without publishing it, for callers that decide where it
    /// goes (a training plan's promotion gate).
    /// </summary>
    public async Task<UnpublishedCritic> TrainAsync(MetaTrainingRequest request, TrainingHost<TrainedCritic>? host = null, CancellationToken ct = default)
    {
        request.Validate();
        var data = await DatasetLoading.LoadAsync(objects, request.Dataset, null, ct).ConfigureAwait(false);
        var chosen = (request.Variants ?? data.Lineage.Variants)
            .Except(request.ExcludeVariants, StringComparer.Ordinal).Distinct(StringComparer.Ordinal).ToArray();
        var unknown = chosen.Except(data.Lineage.Variants, StringComparer.Ordinal).ToArray();
        if (unknown.Length > 0) throw new NotFoundException($"dataset {data.Lineage} has no variant(s) {string.Join(", ", unknown)}");
        if (chosen.Length == 0) throw new BadInputException($"no variants left to train on in {data.Lineage}");

        var risk = DomainHyperparameterTable.For(data.Metadata.EnvId).Risk;
        risk = new RiskSettings(request.GammaRisk ?? risk.GammaRisk, request.EpsRisk ?? risk.EpsRisk);
        host ??= (_, train) => train(NoProgress);
        string title = $"{request.Algorithm} {request.Model}";
        var clock = Stopwatch.StartNew();
        (TrainedCritic Trained, object Config, int Seed) result;
        switch (request.Algorithm)
        {
            case "mesa":
            {
                var c = Mesa(request, risk);
                var perVariant = TaskRows.PerVariant(data.Batch, chosen);
                result = (host(title, progress => new MesaTrainer(c).Train(perVariant, data.ActionBox, progress, ct)), c, c.Seed);
                break;
            }
            case "multitask":
            {
                var c = CriticTraining(request, risk);
                var perVariant = TaskRows.PerVariant(data.Batch, chosen);
                result = (host(title, progress => new MultiTaskTrainer(c).Train(perVariant, data.ActionBox, progress, ct)), c, c.Seed);
                break;
            }
            default:
            {
                var c = CriticTraining(request, risk);
                var rows = TaskRows.Select(data.Batch, chosen);
                result = (host(title, progress => new SingleDatasetTrainer(c).Train(rows, data.ActionBox, progress, ct)), c, c.Seed);
                break;
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var lineage = data.Lineage with { Variants = chosen };
        var metrics = new Dictionary<string, double>(result.Trained.Metrics) { ["train_seconds"] = seconds };
        var card = ModelCard.For(request.Model, request.Algorithm, result.Trained.Critic, risk.GammaRisk, risk.EpsRisk, result.Seed, result.Config, metrics,
            new ModelLineage(lineage, null, CodeVersion.Current));
        return new UnpublishedCritic(card, result.Trained.Critic, request.Algorithm, lineage, result.Trained.FinalLoss, seconds);
    }

    private static MesaSettings Mesa(MetaTrainingRequest r, RiskSettings risk)
    {
        var d = new MesaSettings();
        return d with
        {
            MetaIterations = r.Steps ?? d.MetaIterations,
            OuterLearningRate = r.LearningRate ?? d.OuterLearningRate,
            InnerBatchSize = r.BatchSize ?? d.InnerBatchSize,
            OuterBatchSize = r.BatchSize ?? d.OuterBatchSize,
            Seed = r.Seed ?? d.Seed,
            Architecture = Architecture(r, d.Architecture),
            GammaRisk = risk.GammaRisk,
            EpsRisk = risk.EpsRisk,
            TauSafe = r.TauSafe ?? d.TauSafe,
            PosFraction = PosFraction(r, d.PosFraction),
            TasksPerIteration = r.TasksPerIteration ?? d.TasksPerIteration,
            InnerSteps = r.InnerSteps ?? d.InnerSteps,
            InnerLearningRate = r.InnerLearningRate ?? d.InnerLearningRate,
            LearnInnerLearningRates = !r.FixedInnerLearningRate,
            FirstOrder = r.FirstOrder,
        };
    }

    private static CriticTrainingSettings CriticTraining(MetaTrainingRequest r, RiskSettings risk)
    {
        var d = new CriticTrainingSettings();
        return d with
        {
            Steps = r.Steps ?? d.Steps,
            LearningRate = r.LearningRate ?? d.LearningRate,
            BatchSize = r.BatchSize ?? d.BatchSize,
            Seed = r.Seed ?? d.Seed,
            Architecture = Architecture(r, d.Architecture),
            GammaRisk = risk.GammaRisk,
            EpsRisk = risk.EpsRisk,
            TauSafe = r.TauSafe ?? d.TauSafe,
            PosFraction = PosFraction(r, d.PosFraction),
        };
    }

    private static CriticArchitecture Architecture(MetaTrainingRequest r, CriticArchitecture fallback) =>
        r.Architecture is { } a ? CriticArchitecture.Parse(a, r.Heads) : r.Heads is { } h ? fallback with { Heads = h } : fallback;

    private static void NoProgress(TrainingProgress progress) { }

    // A negative fraction asks for the logged ratio (null in the configs).
    private static double? PosFraction(MetaTrainingRequest r, double? fallback) => r.PosFraction is { } f ? (f < 0 ? null : f) : fallback;
}
