using System.Diagnostics;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Adaptation;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Jobs;

/// <summary>
/// M Adam steps of a stored critic on one variant's data, with the recovery policy trained
/// alongside; the result is published as a new model naming its base (which is not changed).
/// </summary>
public sealed class AdaptationJob(IObjectStore objects)
{
    public async Task<AdaptationResult> RunAsync(AdaptationRequest request, TrainingHost<AdaptedCritic>? host = null, CancellationToken ct = default)
    {
        ModelReference.ValidateName(request.Model);
        var data = await DatasetLoading.LoadAsync(objects, request.Dataset, request.Variant, ct).ConfigureAwait(false);
        return await RunAsync(request, data, host, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Adapts on rows the caller has already read (the service's inline transitions, validated by
    /// the ingest readers); <paramref name="data"/>'s lineage is what the card records, and the
    /// request's Dataset and Variant are not read again.
    /// </summary>
    public async Task<AdaptationResult> RunAsync(AdaptationRequest request, LoadedDataset data, TrainingHost<AdaptedCritic>? host = null, CancellationToken ct = default)
    {
        var registry = new ModelRegistry(objects);
        ModelReference.ValidateName(request.Model);
        var stored = await registry.LoadAsync(ModelReference.Parse(request.BaseModel), ct).ConfigureAwait(false);
        if (data.Batch.ObsDim != stored.Card.ObsDim || data.Batch.ActDim != stored.Card.ActDim)
            throw new BadInputException($"{data.Lineage} has obs/action dims ({data.Batch.ObsDim},{data.Batch.ActDim}) but {stored.Card.Reference} expects ({stored.Card.ObsDim},{stored.Card.ActDim})");

        var d = AdaptationSettings.For(data.Metadata.EnvId);
        var config = d with
        {
            Steps = request.Steps ?? d.Steps,
            LearningRate = request.LearningRate ?? d.LearningRate,
            BatchSize = request.BatchSize ?? d.BatchSize,
            Seed = request.Seed ?? d.Seed,
            TrainRecoveryPolicy = request.TrainRecoveryPolicy,
        };
        host ??= (_, train) => train(NoProgress);
        var clock = Stopwatch.StartNew();
        var rows = TaskRows.Select(data.Batch, null);
        var adapted = host($"adapt {stored.Card.Reference} -> {request.Model}",
            progress => new CriticAdaptation(config).Adapt(stored.Critic, stored.Card.GammaRisk, rows, progress: progress, ct: ct));
        var metrics = new Dictionary<string, double>(adapted.Metrics) { ["adapt_seconds"] = clock.Elapsed.TotalSeconds };
        var card = ModelCard.For(request.Model, "adapted", adapted.Critic, stored.Card.GammaRisk, stored.Card.EpsRisk, config.Seed, config, metrics,
            new ModelLineage(data.Lineage, stored.Card.Reference, CodeVersion.Current), adapted.Recovery is null ? null : config.RecoveryHidden)
            with { AdaptationKey = request.AdaptationKey };
        var published = await registry.PublishAsync(card, adapted.Critic, adapted.Recovery, ct).ConfigureAwait(false);
        return new AdaptationResult(published, stored.Card, data.Lineage, config, adapted.FinalLoss);
    }

    private static void NoProgress(TrainingProgress progress) { }
}
