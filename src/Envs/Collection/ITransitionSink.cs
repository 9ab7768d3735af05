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

/// <summary>Keeps every written row in one batch, in order.</summary>
public sealed class TransitionCollector : ITransitionSink
{
    public TransitionCollector(int obsDim, int actDim, int capacity = 256) => Batch = new TransitionBatch(obsDim, actDim, capacity);

    public TransitionBatch Batch { get; }

    public void Write(TransitionBatch batch) => Batch.AddRange(batch);
}
