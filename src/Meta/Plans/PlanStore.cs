using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Plans;

/// <summary>Training plans in the store: plans/&lt;name&gt;/plan.json, created once, removed explicitly.</summary>
public sealed class PlanStore(IObjectStore objects)
{
    public const string Prefix = "plans/";

    public static string PlanKey(string name) => $"{Prefix}{name}/plan.json";

    /// <summary>Validates the plan against the store (dataset, evaluation data, cron, settings) and stores it.</summary>
    public async Task<TrainingPlan> AddAsync(TrainingPlan plan, CancellationToken ct = default)
    {
        await PlanValidation.ValidateAsync(plan, objects, ct).ConfigureAwait(false);
        if (!await objects.CreateIfAbsentAsync(PlanKey(plan.Name), PlanJson.Serialize(plan), ct).ConfigureAwait(false))
            throw new ConflictException($"plan '{plan.Name}' already exists in store '{objects.Location}' (remove it first)");
        return plan;
    }

    public async Task<TrainingPlan> GetAsync(string name, CancellationToken ct = default)
    {
        ValidateName(name);
        var bytes = await objects.TryReadAsync(PlanKey(name), ct).ConfigureAwait(false)
            ?? throw new NotFoundException($"plan '{name}' not found in store '{objects.Location}'");
        return PlanJson.Deserialize<TrainingPlan>(bytes, objects.Location, PlanKey(name));
    }

    public async Task<IReadOnlyList<TrainingPlan>> ListAsync(CancellationToken ct = default)
    {
        var plans = new List<TrainingPlan>();
        await foreach (string prefix in objects.ListCommonPrefixesAsync(Prefix, ct).ConfigureAwait(false))
        {
            string key = prefix + "plan.json";
            if (await objects.TryReadAsync(key, ct).ConfigureAwait(false) is { } bytes)
                plans.Add(PlanJson.Deserialize<TrainingPlan>(bytes, objects.Location, key));
        }
        return plans;
    }

    /// <summary>Removes the plan; its run history stays readable under `runs list --plan`.</summary>
    public async Task RemoveAsync(string name, CancellationToken ct = default)
    {
        ValidateName(name);
        if (!await objects.DeleteAsync(PlanKey(name), ct).ConfigureAwait(false))
            throw new NotFoundException($"plan '{name}' not found in store '{objects.Location}'");
    }

    /// <summary>Plan names follow dataset names' rules: they become key segments in every backend.</summary>
    public static void ValidateName(string name)
    {
        if (!DatasetNames.IsValid(name))
            throw new BadInputException($"plan name {Excerpts.Of(name)} is invalid: use letters, digits, '.', '_' or '-', starting with a letter or digit, at most {DatasetNames.MaxLength} characters");
    }
}
