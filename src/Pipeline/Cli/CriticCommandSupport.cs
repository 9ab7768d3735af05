using System.CommandLine;
using System.Globalization;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Training;
using OfflineSafety.Pipeline.Cli.Output;
using OfflineSafety.Storage;
using Spectre.Console;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// What the critic commands (meta-train, adapt, eval-critic, models, experiment) share: opening the
/// store, reading one snapshot of a dataset, progress bars with the live loss on stderr, and the
/// JSON shape of a model card.
/// </summary>
internal static class CriticCommandSupport
{
    public static IObjectStore OpenStore(ParseResult p) => StoreLocation.Open(p.GetValue(CommonOptions.Store)!);

    /// <summary>Reads one snapshot (so the rows and the recorded version agree), optionally one variant.</summary>
    public static Task<LoadedDataset> LoadAsync(IObjectStore objects, string reference, string? variant, CancellationToken ct) =>
        DatasetLoading.LoadAsync(objects, reference, variant, ct);

    /// <summary>Runs <paramref name="work"/> under a stderr progress bar that shows the running loss.</summary>
    public static T WithProgress<T>(string title, Func<Action<TrainingProgress>, T> work)
    {
        T result = default!;
        CliProgress.OnStderr(autoClear: false, CliProgress.ElapsedAndRemaining())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title));
                result = work(progress =>
                {
                    // Redrawing on every step would cost more than a small training step.
                    if (progress.Step % 25 != 0 && progress.Step != progress.TotalSteps) return;
                    task.MaxValue = progress.TotalSteps;
                    task.Value = progress.Step;
                    task.Description = Markup.Escape($"{title}  loss {progress.Loss.ToString("0.00000", CultureInfo.InvariantCulture)}");
                });
                task.Value = task.MaxValue;
            });
        return result;
    }

    public static string F(double value, string format = "0.0000") =>
        double.IsNaN(value) ? "n/a" : value.ToString(format, CultureInfo.InvariantCulture);

    public static object CardJson(ModelCard card) => new
    {
        model = card.Reference,
        name = card.Name,
        version = card.Version,
        kind = card.Kind,
        algorithm = card.Algorithm,
        created = card.CreatedUtc,
        obsDim = card.ObsDim,
        actDim = card.ActDim,
        hidden = card.Architecture?.Hidden,
        heads = card.Architecture?.Heads,
        gammaRisk = card.GammaRisk,
        epsRisk = card.EpsRisk,
        seed = card.Seed,
        dataset = card.Lineage.Dataset.ToString(),
        tableId = card.Lineage.Dataset.TableId,
        variants = card.Lineage.Dataset.Variants,
        baseModel = card.Lineage.BaseModel,
        codeVersion = card.Lineage.CodeVersion,
        metrics = card.Metrics,
        trainingConfig = card.TrainingConfig,
        normalization = card.Normalization,
        recoveryHidden = card.RecoveryHidden,
        prior = card.Prior,
    };
}
