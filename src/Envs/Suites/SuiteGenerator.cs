using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Suites;

public enum SuiteRole { Training, Test }

/// <summary>What to generate: N training variants of T rows each and one test variant of T2 rows.</summary>
/// <param name="TestVariant">'auto' (the paper's held-out variant) or a variant id such as "L=1.000".</param>
public sealed record SuiteRequest(string EnvironmentId, int TrainingVariants, int TransitionsPerVariant,
    string TestVariant, int TestTransitions, ulong Seed);

/// <summary>One variant of a suite, before its data exists.</summary>
/// <param name="Ordinal">0..N-1 for training variants, N for the test variant; the high 32 bits of its episode ids.</param>
public sealed record SuiteVariant(int Ordinal, SuiteRole Role, DynamicsVariant Variant, int Transitions);

/// <summary>One variant's recorded data.</summary>
public sealed record VariantData(SuiteVariant Variant, TransitionBatch Batch, RecordingSummary Summary);

public sealed record GeneratedSuite(SuiteRequest Request, EnvironmentDefinition Environment, IReadOnlyList<VariantData> Training, VariantData Test)
{
    public IEnumerable<VariantData> All => Training.Append(Test);
}

/// <summary>Progress over the whole suite, reported after each recorded chunk and each finished variant.</summary>
public readonly record struct SuiteProgress(int VariantsDone, int VariantsTotal, long RowsDone, long RowsTotal, string CurrentVariant);

/// <summary>
/// Generates a MESA dataset suite (Table B.1): training variants drawn from the environment's
/// training distribution, a held-out test variant, and each variant's offline data from the
/// environment's collection recipe. Every variant's environment and policy get their own seeds
/// derived from the suite seed, so a variant's data does not depend on the other variants'.
/// Training variants are collected by <paramref name="trainingCollection"/> (null: the environment's
/// recipe, as the test variant always is: the thesis collects every test set with the recipe's kind
/// of policy, and its locomotion training sets with SAC, <see cref="IVariantCollection"/>).
/// </summary>
public sealed class SuiteGenerator(EnvironmentRegistry? registry = null, IVariantCollection? trainingCollection = null)
{
    private readonly EnvironmentRegistry _registry = registry ?? EnvironmentRegistry.Default;
    private readonly IVariantCollection _training = trainingCollection ?? RecipeCollection.Instance;

    /// <summary>How the training variants are collected.</summary>
    public IVariantCollection TrainingCollection => _training;

    /// <summary>Generates the suite in memory.</summary>
    public GeneratedSuite Generate(SuiteRequest request, Action<SuiteProgress>? progress = null, CancellationToken ct = default)
    {
        var definition = _registry.Get(request.EnvironmentId);
        var memory = new InMemorySuiteSink();
        var summaries = Generate(request, memory, progress, ct);
        var data = summaries.Select(s => new VariantData(s.Variant, memory.Batch(s.Variant.Ordinal), s.Summary)).ToList();
        return new GeneratedSuite(request, definition, data.Take(data.Count - 1).ToList(), data[^1]);
    }

    /// <summary>
    /// Generates the suite into <paramref name="sink"/>: one variant sink opened per variant in
    /// ordinal order (test last), then <see cref="ISuiteSink.Complete"/> once every row is written.
    /// </summary>
    public IReadOnlyList<(SuiteVariant Variant, RecordingSummary Summary)> Generate(SuiteRequest request,
        ISuiteSink sink, Action<SuiteProgress>? progress = null, CancellationToken ct = default)
    {
        var definition = _registry.Get(request.EnvironmentId);
        var plan = Plan(request, definition);
        long rowsTotal = plan.Sum(v => (long)v.Transitions);
        long rowsBefore = 0;
        var results = new List<(SuiteVariant, RecordingSummary)>(plan.Count);
        for (int i = 0; i < plan.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var variant = plan[i];
            var (environmentSeed, policySeed) = DataSeeds(request.Seed, variant);
            var collection = variant.Role == SuiteRole.Training ? _training : RecipeCollection.Instance;
            int done = i;
            long before = rowsBefore;
            var summary = collection.Collect(definition, variant.Variant, environmentSeed, policySeed, sink.OpenVariant(definition, variant),
                variant.Transitions, (long)variant.Ordinal << 32,
                rows => progress?.Invoke(new SuiteProgress(done, plan.Count, before + rows, rowsTotal, variant.Variant.Id)), ct);
            rowsBefore += summary.Rows;
            results.Add((variant, summary));
            progress?.Invoke(new SuiteProgress(i + 1, plan.Count, rowsBefore, rowsTotal, variant.Variant.Id));
        }
        sink.Complete();
        return results;
    }

    /// <summary>The suite's variants without generating data: training variants in draw order, then the test variant.</summary>
    public IReadOnlyList<SuiteVariant> Plan(SuiteRequest request) => Plan(request, _registry.Get(request.EnvironmentId));

    private static List<SuiteVariant> Plan(SuiteRequest request, EnvironmentDefinition definition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(request.TrainingVariants);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(request.TransitionsPerVariant);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(request.TestTransitions);
        var training = VariantSampling.TrainingVariants(definition.Variants, request.TrainingVariants, request.Seed);
        var test = VariantSampling.TestVariant(definition.Variants, request.TestVariant);
        var plan = training.Select((v, i) => new SuiteVariant(i, SuiteRole.Training, v, request.TransitionsPerVariant)).ToList();
        plan.Add(new SuiteVariant(training.Count, SuiteRole.Test, test, request.TestTransitions));
        return plan;
    }

    private static (ulong Environment, ulong Policy) DataSeeds(ulong seed, SuiteVariant variant)
    {
        ulong stream = variant.Role == SuiteRole.Test ? SeedStreams.TestData : SeedStreams.TrainingData;
        ulong variantSeed = Xoshiro256StarStar.DeriveSeed(seed, stream, (ulong)variant.Ordinal);
        return (Xoshiro256StarStar.DeriveSeed(variantSeed, 0, 0), Xoshiro256StarStar.DeriveSeed(variantSeed, 0, 1));
    }
}
