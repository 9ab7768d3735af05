using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Envs.Collection;

/// <summary>
/// Where recorded transitions go: an in-memory collector, or (later) a dataset store writer.
/// The recorder hands over each batch and never touches it again, so a sink may keep it.
/// </summary>
public interface ITransitionSink
{
    void Write(TransitionBatch batch);
}
