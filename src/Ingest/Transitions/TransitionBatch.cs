namespace OfflineSafety.Ingest.Transitions;

/// <summary>
/// A columnar block of transitions with fixed observation and action dimensions: the currency
/// between log readers, simulators, the dataset store and the trainers. Vectors are stored
/// row-major (row i of obs is Obs[i*ObsDim .. (i+1)*ObsDim]).
/// </summary>
public sealed class TransitionBatch
{
    private long[] _episodeId;
    private int[] _step;
    private string[] _variant;
    private string[] _source;
    private float[] _obs;
    private float[] _action;
    private float[] _nextObs;
    private float[] _reward;
    private float[] _cost;
    private bool[] _unsafe;
    private bool[] _terminal;
    private bool[] _truncated;

    public TransitionBatch(int obsDim, int actDim, int capacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(obsDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(actDim);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ObsDim = obsDim;
        ActDim = actDim;
        capacity = Math.Max(capacity, 1);
        _episodeId = new long[capacity];
        _step = new int[capacity];
        _variant = new string[capacity];
        _source = new string[capacity];
        _obs = new float[capacity * obsDim];
        _action = new float[capacity * actDim];
        _nextObs = new float[capacity * obsDim];
        _reward = new float[capacity];
        _cost = new float[capacity];
        _unsafe = new bool[capacity];
        _terminal = new bool[capacity];
        _truncated = new bool[capacity];
    }

    public int ObsDim { get; }
    public int ActDim { get; }
    public int Count { get; private set; }

    public ReadOnlySpan<long> EpisodeId => _episodeId.AsSpan(0, Count);
    public ReadOnlySpan<int> Step => _step.AsSpan(0, Count);
    public ReadOnlySpan<string> Variant => _variant.AsSpan(0, Count);
    public ReadOnlySpan<string> Source => _source.AsSpan(0, Count);
    public ReadOnlySpan<float> Obs => _obs.AsSpan(0, Count * ObsDim);
    public ReadOnlySpan<float> Action => _action.AsSpan(0, Count * ActDim);
    public ReadOnlySpan<float> NextObs => _nextObs.AsSpan(0, Count * ObsDim);
    public ReadOnlySpan<float> Reward => _reward.AsSpan(0, Count);
    public ReadOnlySpan<float> Cost => _cost.AsSpan(0, Count);
    public ReadOnlySpan<bool> Unsafe => _unsafe.AsSpan(0, Count);
    public ReadOnlySpan<bool> Terminal => _terminal.AsSpan(0, Count);
    public ReadOnlySpan<bool> Truncated => _truncated.AsSpan(0, Count);

    // Memory views of the same columns, for writers that hand buffers over without copying
    // (the Parquet columnar writer keeps references until the batch is written).
    public ReadOnlyMemory<long> EpisodeIdMemory => _episodeId.AsMemory(0, Count);
    public ReadOnlyMemory<int> StepMemory => _step.AsMemory(0, Count);
    public ReadOnlyMemory<string> VariantMemory => _variant.AsMemory(0, Count);
    public ReadOnlyMemory<string> SourceMemory => _source.AsMemory(0, Count);
    public ReadOnlyMemory<float> ObsMemory => _obs.AsMemory(0, Count * ObsDim);
    public ReadOnlyMemory<float> ActionMemory => _action.AsMemory(0, Count * ActDim);
    public ReadOnlyMemory<float> NextObsMemory => _nextObs.AsMemory(0, Count * ObsDim);
    public ReadOnlyMemory<float> RewardMemory => _reward.AsMemory(0, Count);
    public ReadOnlyMemory<float> CostMemory => _cost.AsMemory(0, Count);
    public ReadOnlyMemory<bool> UnsafeMemory => _unsafe.AsMemory(0, Count);
    public ReadOnlyMemory<bool> TerminalMemory => _terminal.AsMemory(0, Count);
    public ReadOnlyMemory<bool> TruncatedMemory => _truncated.AsMemory(0, Count);

    /// <summary>
    /// A batch that adopts whole column arrays (no copy), e.g. as decoded from a columnar file.
    /// The batch owns the arrays afterwards; vectors are row-major.
    /// </summary>
    public static TransitionBatch FromColumns(int obsDim, int actDim, long[] episodeId, int[] step, string[] variant, string[] source,
        float[] obs, float[] action, float[] nextObs, float[] reward, float[] cost, bool[] isUnsafe, bool[] terminal, bool[] truncated)
    {
        int n = episodeId.Length;
        void Check(int length, int expected, string name)
        {
            if (length != expected) throw new ArgumentException($"column {name} has {length} values, expected {expected} for {n} rows");
        }
        Check(step.Length, n, TransitionColumns.Step);
        Check(variant.Length, n, TransitionColumns.Variant);
        Check(source.Length, n, TransitionColumns.Source);
        Check(obs.Length, n * obsDim, TransitionColumns.Obs);
        Check(action.Length, n * actDim, TransitionColumns.Action);
        Check(nextObs.Length, n * obsDim, TransitionColumns.NextObs);
        Check(reward.Length, n, TransitionColumns.Reward);
        Check(cost.Length, n, TransitionColumns.Cost);
        Check(isUnsafe.Length, n, TransitionColumns.Unsafe);
        Check(terminal.Length, n, TransitionColumns.Terminal);
        Check(truncated.Length, n, TransitionColumns.Truncated);
        var batch = new TransitionBatch(obsDim, actDim, 0);
        batch._episodeId = episodeId;
        batch._step = step;
        batch._variant = variant;
        batch._source = source;
        batch._obs = obs;
        batch._action = action;
        batch._nextObs = nextObs;
        batch._reward = reward;
        batch._cost = cost;
        batch._unsafe = isUnsafe;
        batch._terminal = terminal;
        batch._truncated = truncated;
        batch.Count = n;
        return batch;
    }

    public ReadOnlySpan<float> ObsRow(int row) => _obs.AsSpan(CheckRow(row) * ObsDim, ObsDim);
    public ReadOnlySpan<float> ActionRow(int row) => _action.AsSpan(CheckRow(row) * ActDim, ActDim);
    public ReadOnlySpan<float> NextObsRow(int row) => _nextObs.AsSpan(CheckRow(row) * ObsDim, ObsDim);

    public void Add(long episodeId, int step, string variant, string source,
        ReadOnlySpan<float> obs, ReadOnlySpan<float> action, ReadOnlySpan<float> nextObs,
        float reward, float cost, bool isUnsafe, bool terminal, bool truncated)
    {
        if (obs.Length != ObsDim) throw new ArgumentException($"obs has {obs.Length} values, expected {ObsDim}", nameof(obs));
        if (nextObs.Length != ObsDim) throw new ArgumentException($"next_obs has {nextObs.Length} values, expected {ObsDim}", nameof(nextObs));
        if (action.Length != ActDim) throw new ArgumentException($"action has {action.Length} values, expected {ActDim}", nameof(action));
        EnsureCapacity(Count + 1);
        int i = Count;
        _episodeId[i] = episodeId;
        _step[i] = step;
        _variant[i] = variant;
        _source[i] = source;
        obs.CopyTo(_obs.AsSpan(i * ObsDim));
        action.CopyTo(_action.AsSpan(i * ActDim));
        nextObs.CopyTo(_nextObs.AsSpan(i * ObsDim));
        _reward[i] = reward;
        _cost[i] = cost;
        _unsafe[i] = isUnsafe;
        _terminal[i] = terminal;
        _truncated[i] = truncated;
        Count = i + 1;
    }

    /// <summary>Appends every row of <paramref name="other"/> (same dimensions).</summary>
    public void AddRange(TransitionBatch other)
    {
        if (other.ObsDim != ObsDim || other.ActDim != ActDim)
            throw new ArgumentException($"dimensions differ: ({other.ObsDim},{other.ActDim}) vs ({ObsDim},{ActDim})", nameof(other));
        int start = Count, n = other.Count;
        EnsureCapacity(start + n);
        // Whole-column copies: reading a dataset concatenates many files.
        other.EpisodeId.CopyTo(_episodeId.AsSpan(start));
        other.Step.CopyTo(_step.AsSpan(start));
        other.Variant.CopyTo(_variant.AsSpan(start));
        other.Source.CopyTo(_source.AsSpan(start));
        other.Obs.CopyTo(_obs.AsSpan(start * ObsDim));
        other.Action.CopyTo(_action.AsSpan(start * ActDim));
        other.NextObs.CopyTo(_nextObs.AsSpan(start * ObsDim));
        other.Reward.CopyTo(_reward.AsSpan(start));
        other.Cost.CopyTo(_cost.AsSpan(start));
        other.Unsafe.CopyTo(_unsafe.AsSpan(start));
        other.Terminal.CopyTo(_terminal.AsSpan(start));
        other.Truncated.CopyTo(_truncated.AsSpan(start));
        Count = start + n;
    }

    /// <summary>A new batch holding the rows for which <paramref name="keep"/> is true, in order.</summary>
    public TransitionBatch Where(Func<int, bool> keep)
    {
        var result = new TransitionBatch(ObsDim, ActDim, Count);
        for (int i = 0; i < Count; i++)
            if (keep(i))
                result.Add(_episodeId[i], _step[i], _variant[i], _source[i], ObsRow(i), ActionRow(i), NextObsRow(i),
                    _reward[i], _cost[i], _unsafe[i], _terminal[i], _truncated[i]);
        return result;
    }

    public void Clear() => Count = 0;

    private int CheckRow(int row) => (uint)row < (uint)Count ? row : throw new ArgumentOutOfRangeException(nameof(row));

    private void EnsureCapacity(int needed)
    {
        if (needed <= _episodeId.Length) return;
        int cap = Math.Max(needed, _episodeId.Length * 2);
        Array.Resize(ref _episodeId, cap);
        Array.Resize(ref _step, cap);
        Array.Resize(ref _variant, cap);
        Array.Resize(ref _source, cap);
        Array.Resize(ref _obs, cap * ObsDim);
        Array.Resize(ref _action, cap * ActDim);
        Array.Resize(ref _nextObs, cap * ObsDim);
        Array.Resize(ref _reward, cap);
        Array.Resize(ref _cost, cap);
        Array.Resize(ref _unsafe, cap);
        Array.Resize(ref _terminal, cap);
        Array.Resize(ref _truncated, cap);
    }
}
