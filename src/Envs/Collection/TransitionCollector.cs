using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Envs.Collection;

/// <summary>Keeps every written row in one batch, in order.</summary>
public sealed class TransitionCollector : ITransitionSink
{
    public TransitionCollector(int obsDim, int actDim, int capacity = 256) => Batch = new TransitionBatch(obsDim, actDim, capacity);

    public TransitionBatch Batch { get; }

    public void Write(TransitionBatch batch) => Batch.AddRange(batch);
}
