using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// A preallocated ring buffer of transitions in raw environment units. Adding and sampling
/// allocate nothing. It keeps the positions of unsafe rows in a swap-remove list so a
/// class-balanced batch (a fixed share of violations) can be drawn in O(batch), which the safety
/// critic needs because violations are rare.
/// </summary>
public sealed class ReplayBuffer
{
    private readonly float[] _obs;
    private readonly float[] _action;
    private readonly float[] _nextObs;
    private readonly float[] _reward;
    private readonly float[] _cost;
    private readonly float[] _unsafe;
    private readonly float[] _terminal;
    private readonly int[] _unsafeList;
    private readonly int[] _unsafeSlot;   // index of a row in _unsafeList, -1 when safe
    private int _unsafeCount;
    private int _next;

    public ReplayBuffer(int capacity, int obsDim, int actDim)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        ObsDim = obsDim;
        ActDim = actDim;
        _obs = new float[capacity * obsDim];
        _action = new float[capacity * actDim];
        _nextObs = new float[capacity * obsDim];
        _reward = new float[capacity];
        _cost = new float[capacity];
        _unsafe = new float[capacity];
        _terminal = new float[capacity];
        _unsafeList = new int[capacity];
        _unsafeSlot = new int[capacity];
        Array.Fill(_unsafeSlot, -1);
    }

    public int Capacity { get; }
    public int ObsDim { get; }
    public int ActDim { get; }
    public int Count { get; private set; }
    public int UnsafeCount => _unsafeCount;

    public ReadOnlySpan<float> ObsRow(int i) => _obs.AsSpan(i * ObsDim, ObsDim);
    public ReadOnlySpan<float> ActionRow(int i) => _action.AsSpan(i * ActDim, ActDim);
    public ReadOnlySpan<float> NextObsRow(int i) => _nextObs.AsSpan(i * ObsDim, ObsDim);
    public float Reward(int i) => _reward[i];
    public float Cost(int i) => _cost[i];
    public float Unsafe(int i) => _unsafe[i];
    public float Terminal(int i) => _terminal[i];

    /// <summary>The row added right after row <paramref name="i"/>, or -1 when <paramref name="i"/> is the newest.</summary>
    public int Successor(int i)
    {
        int j = (i + 1) % Capacity;
        return j == _next || j >= Count ? -1 : j;
    }

    /// <summary>Adds one transition, overwriting the oldest once full.</summary>
    public void Add(ReadOnlySpan<float> obs, ReadOnlySpan<float> action, float reward, float cost, bool isUnsafe, bool terminal, ReadOnlySpan<float> nextObs)
    {
        int i = _next;
        if (_unsafeSlot[i] >= 0) RemoveUnsafe(i);
        obs.CopyTo(_obs.AsSpan(i * ObsDim, ObsDim));
        action.CopyTo(_action.AsSpan(i * ActDim, ActDim));
        nextObs.CopyTo(_nextObs.AsSpan(i * ObsDim, ObsDim));
        _reward[i] = reward;
        _cost[i] = cost;
        _unsafe[i] = isUnsafe ? 1f : 0f;
        _terminal[i] = terminal ? 1f : 0f;
        if (isUnsafe)
        {
            _unsafeSlot[i] = _unsafeCount;
            _unsafeList[_unsafeCount++] = i;
        }
        _next = (_next + 1) % Capacity;
        if (Count < Capacity) Count++;
    }

    /// <summary>Forgets every row (capacity and storage are kept).</summary>
    public void Clear()
    {
        for (int k = 0; k < _unsafeCount; k++) _unsafeSlot[_unsafeList[k]] = -1;
        _unsafeCount = 0;
        _next = 0;
        Count = 0;
    }

    /// <summary>Uniform row indices (with replacement) into <paramref name="rows"/>.</summary>
    public void SampleRows(Span<int> rows, Xoshiro256StarStar random)
    {
        if (Count == 0) throw new InvalidOperationException("cannot sample an empty replay buffer");
        for (int k = 0; k < rows.Length; k++) rows[k] = random.NextInt(Count);
    }

    /// <summary>Uniform row indices (with replacement) among the <paramref name="window"/> most recently added rows (all rows when fewer).</summary>
    public void SampleRecentRows(Span<int> rows, int window, Xoshiro256StarStar random)
    {
        if (Count == 0) throw new InvalidOperationException("cannot sample an empty replay buffer");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        int w = Math.Min(window, Count);
        for (int k = 0; k < rows.Length; k++) rows[k] = (_next - 1 - random.NextInt(w) + Capacity) % Capacity;
    }

    /// <summary>
    /// round(p B) rows from the unsafe rows and the rest uniformly from all rows; uniform when there
    /// are no unsafe rows yet.
    /// </summary>
    public void SampleBalancedRows(Span<int> rows, double positiveFraction, Xoshiro256StarStar random)
    {
        SampleRows(rows, random);
        if (_unsafeCount == 0) return;
        int positives = (int)Math.Round(positiveFraction * rows.Length);
        for (int k = 0; k < positives; k++) rows[k] = _unsafeList[random.NextInt(_unsafeCount)];
    }

    private void RemoveUnsafe(int row)
    {
        int slot = _unsafeSlot[row];
        int last = _unsafeList[--_unsafeCount];
        _unsafeList[slot] = last;
        _unsafeSlot[last] = slot;
        _unsafeSlot[row] = -1;
    }
}
