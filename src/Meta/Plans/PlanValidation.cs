using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Plans;

/// <summary>
/// Everything `plans add` can know is wrong before the plan is stored, each failure one line naming
/// the field (as the CLI option), so a bad plan never reaches the scheduler.
/// </summary>
internal static class PlanValidation
{
    public static async Task ValidateAsync(TrainingPlan plan, IObjectStore objects, CancellationToken ct)
    {
        PlanStore.ValidateName(plan.Name);
        plan.Training.Validate();
        if (plan.Training.Dataset.Contains('@', StringComparison.Ordinal))
            throw new BadInputException($"--dataset: a plan trains on the newest version of a dataset; give NAME, not '{plan.Training.Dataset}'");
        var datasets = new DatasetStore(objects);
        await MustExistAsync(datasets, "--dataset", plan.Training.Dataset, ct).ConfigureAwait(false);
        if (plan.EvaluationDataset is { } evaluation)
            await MustExistAsync(datasets, "--eval-dataset", evaluation, ct).ConfigureAwait(false);
        if (plan.Triggers.Cron is { } cron) CronSchedule.Parse(cron);
        if (plan.Triggers.Debounce < TimeSpan.Zero)
            throw new BadInputException($"--debounce: must not be negative, got {plan.Triggers.Debounce}");
        if (!(double.IsFinite(plan.Gate.Margin) && plan.Gate.Margin >= 0))
            throw new BadInputException($"--promotion-margin: must be a finite number >= 0, got {plan.Gate.Margin}");
    }

    private static async Task MustExistAsync(DatasetStore datasets, string option, string reference, CancellationToken ct)
    {
        try
        {
            await datasets.ResolveAsync(DatasetReference.Parse(reference), ct).ConfigureAwait(false);
        }
        catch (UserError e)
        {
            throw new BadInputException($"{option}: {e.Message}", e);
        }
    }
}
