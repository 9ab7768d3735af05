using System.Diagnostics;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Safer;

/// <summary>A published prior and what its fit saw.</summary>
public sealed record PriorFitResult(ModelCard Card, PriorData Data, double Seconds);

/// <summary>
/// `offsafe fit-prior`: reads one snapshot of a dataset, splits it into safe and unsafe examples
/// with windows (<see cref="PriorData.From"/>), fits the prior (<see cref="SaferPriorTrainer"/>,
/// eta calibrated on the same data) and publishes it to the model registry with its lineage.
/// </summary>
public sealed class PriorFitJob(IObjectStore objects)
{
    /// <summary>One snapshot of the dataset split into the fit's examples; refuses data a prior cannot learn from, before any training.</summary>
    public async Task<(LoadedDataset Dataset, PriorData Data)> PrepareAsync(string dataset, string model, SaferPriorSettings settings, CancellationToken ct = default)
    {
        ModelReference.ValidateName(model);
        settings.Validate();
        var loaded = await DatasetLoading.LoadAsync(objects, dataset, null, ct).ConfigureAwait(false);
        return (loaded, PriorData.From(loaded.Batch, settings.WindowLength, settings.SuccessfulEpisodesOnly, loaded.Lineage.ToString()));
    }

    /// <summary>Fits on prepared examples and publishes the prior as the model's next version.</summary>
    public async Task<PriorFitResult> FitAsync(LoadedDataset dataset, PriorData data, string model, SaferPriorSettings settings,
        Action<SaferFitProgress>? progress = null, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var fit = await Task.Run(() => new SaferPriorTrainer(settings).Fit(data.Safe, data.Unsafe, progress, ct), ct).ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;
        var metrics = new Dictionary<string, double>(fit.Metrics) { ["train_seconds"] = seconds, ["episodes"] = data.Episodes };
        var card = SkillPriorStore.CardFor(model, fit with { Metrics = metrics }, new ModelLineage(dataset.Lineage, null, CodeVersion.Current));
        var stored = await new SkillPriorStore(new ModelRegistry(objects)).PublishAsync(card, fit.Prior, ct).ConfigureAwait(false);
        return new PriorFitResult(stored, data, seconds);
    }

    public async Task<PriorFitResult> RunAsync(string dataset, string model, SaferPriorSettings settings, Action<SaferFitProgress>? progress = null,
        CancellationToken ct = default)
    {
        var (loaded, data) = await PrepareAsync(dataset, model, settings, ct).ConfigureAwait(false);
        return await FitAsync(loaded, data, model, settings, progress, ct).ConfigureAwait(false);
    }
}
