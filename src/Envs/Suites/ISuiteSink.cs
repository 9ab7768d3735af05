using OfflineSafety.Envs.Collection;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Envs.Suites;

/// <summary>
/// Receives a generated suite variant by variant. The dataset store plugs in here: it can write
/// each variant's rows as they come and commit one dataset version in <see cref="Complete"/>,
/// which is not called when generation fails or is cancelled.
/// </summary>
public interface ISuiteSink
{
    ITransitionSink OpenVariant(EnvironmentDefinition environment, SuiteVariant variant);

    void Complete();
}
