using OfflineSafety.Envs.Collection;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// Turns online experience into transition rows (executed actions, cost, unsafe, terminal,
/// truncated; source = run id) for an Envs <see cref="ITransitionSink"/>, in chunks: a sink may
/// keep a handed-over batch, so each chunk is a fresh preallocated batch.
/// </summary>
public sealed class OnlineTransitionLog(ITransitionSink sink, int obsDim, int actDim, string variant, string source, int chunkRows = 4096)
{
    private TransitionBatch _chunk = new(obsDim, actDim, chunkRows);

    public int Rows { get; private set; }

    public void Add(long episode, int step, ReadOnlySpan<float> obs, ReadOnlySpan<float> action, ReadOnlySpan<float> nextObs,
        float reward, float cost, bool isUnsafe, bool terminal, bool truncated)
    {
        _chunk.Add(episode, step, variant, source, obs, action, nextObs, reward, cost, isUnsafe, terminal, truncated);
        Rows++;
        if (_chunk.Count == chunkRows) Flush();
    }

    public void Flush()
    {
        if (_chunk.Count == 0) return;
        sink.Write(_chunk);
        _chunk = new TransitionBatch(obsDim, actDim, chunkRows);
    }
}
