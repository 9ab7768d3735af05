using OfflineSafety.Envs;
using OfflineSafety.Envs.Suites;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Meta.Jobs;

/// <summary>
/// Writes rows recorded in a built-in environment (a generated suite, an online run's log) as one
/// version of a transition dataset, with the environment's dimensions, bounds and each variant's
/// dynamics parameters in the dataset metadata.
/// </summary>
public static class SuiteDataset
{
    public static DatasetMetadata Metadata(EnvironmentDefinition environment, string? description = null) =>
        new(environment.Id, environment.ObservationSpace.Dim, environment.ActionSpace.Dim)
        {
            ObsLow = FiniteOrNull(environment.ObservationSpace.Low),
            ObsHigh = FiniteOrNull(environment.ObservationSpace.High),
            ActionLow = environment.ActionSpace.Low.ToArray(),
            ActionHigh = environment.ActionSpace.High.ToArray(),
            Description = description ?? environment.Title,
        };

    /// <summary>
    /// Creates the dataset if needed and writes <paramref name="rows"/> as one version, added to the
    /// rows already there or, with <see cref="WriteMode.Overwrite"/>, in their place.
    /// </summary>
    public static async Task<CommitResult> WriteAsync(DatasetStore store, string name, EnvironmentDefinition environment,
        TransitionBatch rows, IEnumerable<DynamicsVariant> variants, string operation, WriteMode mode = WriteMode.Append,
        CancellationToken ct = default)
    {
        await store.EnsureCreatedAsync(name, Metadata(environment), ct).ConfigureAwait(false);
        var parameters = variants.DistinctBy(v => v.Id).ToDictionary(v => v.Id, v => v.Parameters);
        return await store.AppendAsync(name, rows, new AppendOptions { Operation = operation, VariantParams = parameters, Mode = mode }, ct)
            .ConfigureAwait(false);
    }

    /// <summary>Writes every variant of a generated suite (training and test) as one version.</summary>
    public static Task<CommitResult> WriteAsync(DatasetStore store, string name, GeneratedSuite suite, WriteMode mode = WriteMode.Append,
        CancellationToken ct = default)
    {
        var all = suite.All.ToList();
        var rows = new TransitionBatch(suite.Environment.ObservationSpace.Dim, suite.Environment.ActionSpace.Dim, all.Sum(v => v.Batch.Count));
        foreach (var variant in all) rows.AddRange(variant.Batch);
        return WriteAsync(store, name, suite.Environment, rows, all.Select(v => v.Variant.Variant), "GENERATE", mode, ct);
    }

    // Unbounded observation spaces (navigation) have no bounds worth recording.
    private static float[]? FiniteOrNull(ReadOnlySpan<float> bounds)
    {
        foreach (float b in bounds)
            if (!float.IsFinite(b)) return null;
        return bounds.ToArray();
    }
}
