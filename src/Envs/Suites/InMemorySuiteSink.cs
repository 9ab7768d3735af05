using OfflineSafety.Envs.Collection;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Envs.Suites;

/// <summary>Keeps each variant's rows in one batch, by ordinal.</summary>
public sealed class InMemorySuiteSink : ISuiteSink
{
    private readonly Dictionary<int, TransitionCollector> _collectors = [];

    /// <summary>The rows written for the variant with this ordinal.</summary>
    public TransitionBatch Batch(int ordinal) => _collectors.TryGetValue(ordinal, out var collector)
        ? collector.Batch
        : throw new KeyNotFoundException($"no variant with ordinal {ordinal} was opened");

    public ITransitionSink OpenVariant(EnvironmentDefinition environment, SuiteVariant variant)
    {
        var collector = new TransitionCollector(environment.ObservationSpace.Dim, environment.ActionSpace.Dim, variant.Transitions);
        _collectors[variant.Ordinal] = collector;
        return collector;
    }

    public void Complete() { }
}
