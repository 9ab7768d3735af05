using OfflineSafety.Meta.Critics;

namespace OfflineSafety.Meta.Online.DualAgent;

/// <summary>
/// n-step targets for Q_I: sum_{j&lt;m} gbar^j I_{t+j} + gbar^m (the one-step target at row t+m), following the buffer's
/// own rows for up to m = n - 1 further steps, stopping at an episode's end (a terminal row, or a next row that does not
/// continue the episode) or at the newest row. Why a horizon matters: Q_I learns its horizon one bootstrap at a time, and on
/// cart-pole a push towards the centre looks safe for a few steps before, through the pole's lean, it carries the cart
/// outwards (docs/transfer.md).
/// <para>
/// Without a cut (<see cref="Cuts"/> false) the intermediate actions are the logged ones (either agent's, with noise), not
/// pi_S's: uncorrected n-step returns, biased towards the behaviour's safety. With a cut tolerance (<see cref="Cuts"/>), the
/// off-policy-corrected form for a deterministic target policy: the trace is cut at the first followed row k &gt;= 1 whose
/// logged action departs from pi_S'(s_{t+k}) by more than the tolerance in some action dimension (squashed units), so
/// m = k - 1. Retrace's c = lambda min(1, pi/mu) has no use here: pi_S is deterministic, its density ratio against the
/// Gaussian behaviour is 0 almost surely, and Retrace would cut every trace to one step; the tolerance is the box-kernel
/// relaxation of "the logged action is pi_S's", with c = 1 inside it and 0 outside. The first action a_t needs no check:
/// Q_I(s_t, a_t) is conditioned on it. The bias left is that of actions within the tolerance of pi_S'.
/// </para>
/// Use: <see cref="Fill"/>, then with a cut <see cref="ChainObs"/> (the followed rows' normalised states, fixed layout
/// <see cref="Span"/> slots per batch row) is evaluated by pi_S' and passed to <see cref="Cut"/>; then
/// <see cref="NextObs"/>, <see cref="EndRow"/> and <see cref="Target"/> are ready.
/// </summary>
public sealed class MultiStepLookahead
{
    private readonly int[] _endRows;
    private readonly float[] _partial;
    private readonly float[] _discount;
    private readonly int[] _chainRows;
    private readonly int[] _chainLength;
    private readonly float[] _logged;
    private readonly float _gammaSafe;
    private readonly int _obsDim, _actDim;

    /// <param name="cutTolerance">0: uncorrected n-step; &gt; 0: cut at the first logged action this far from pi_S' (squashed units, max over dimensions).</param>
    public MultiStepLookahead(int steps, float gammaSafe, int batchSize, int obsDim, int actDim = 1, float cutTolerance = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(cutTolerance);
        Steps = steps;
        CutTolerance = cutTolerance;
        _gammaSafe = gammaSafe;
        _obsDim = obsDim;
        _actDim = actDim;
        _endRows = new int[batchSize];
        _partial = new float[batchSize];
        _discount = new float[batchSize];
        Span = steps - 1;
        _chainRows = new int[batchSize * Span];
        _chainLength = new int[batchSize];
        _logged = new float[actDim];
        NextObs = new float[batchSize * obsDim];
        ChainObs = Cuts ? new float[batchSize * Span * obsDim] : [];
    }

    public int Steps { get; }

    /// <summary>Followed rows per batch row at most (n - 1): the slots of <see cref="ChainObs"/> per batch row.</summary>
    public int Span { get; }

    public float CutTolerance { get; }

    /// <summary>Whether the trace is cut where the logged action departs from pi_S'.</summary>
    public bool Cuts => CutTolerance > 0 && Span > 0;

    /// <summary>Normalised s' of each batch row's last followed row: where the target bootstraps.</summary>
    public float[] NextObs { get; }

    /// <summary>With a cut: the normalised states s_{t+k}, k = 1..n-1, of the followed rows, at slot i (n - 1) + k - 1; unfollowed slots are 0.</summary>
    public float[] ChainObs { get; }

    /// <summary>With a cut: rows followed beyond row t for batch row <paramref name="i"/>, before the cut.</summary>
    public int ChainLength(int i) => _chainLength[i];

    /// <summary>The buffer row of <see cref="ChainObs"/>'s slot <paramref name="k"/> (0-based) of batch row <paramref name="i"/>.</summary>
    public int ChainRow(int i, int k) => _chainRows[i * Span + k];

    /// <summary>The buffer row whose s' the target bootstraps from, per batch row.</summary>
    public int EndRow(int i) => _endRows[i];

    /// <summary>
    /// Follows each of the batch's rows forward. Without a cut the targets are then ready, with <see cref="NextObs"/>
    /// normalised by <paramref name="observations"/>; with one, <see cref="ChainObs"/> is filled and <see cref="Cut"/> finishes.
    /// </summary>
    public void Fill(SacBatch batch, ReplayBuffer buffer, Normalization observations)
    {
        int od = _obsDim;
        for (int i = 0; i < batch.Size; i++)
        {
            int row = batch.Rows[i], length = 0;
            for (int k = 1; k < Steps && buffer.Terminal(row) == 0; k++)
            {
                int next = buffer.Successor(row);
                if (next < 0 || !buffer.ObsRow(next).SequenceEqual(buffer.NextObsRow(row))) break;
                _chainRows[i * Span + length++] = next;
                row = next;
            }
            _chainLength[i] = length;
            if (Cuts)
            {
                var slots = ChainObs.AsSpan(i * Span * od, Span * od);
                slots.Clear();
                for (int k = 0; k < length; k++)
                    observations.NormalizeObs(buffer.ObsRow(_chainRows[i * Span + k]), slots.Slice(k * od, od));
            }
            else Finish(i, batch.Rows[i], length, buffer, observations);
        }
    }

    /// <summary>
    /// Cuts each trace at its first followed row whose logged action (environment units, squashed by <paramref name="box"/>)
    /// departs from <paramref name="policyActions"/> (pi_S' at <see cref="ChainObs"/>, squashed, same slots) by more than the
    /// tolerance in some dimension; then finishes the targets as <see cref="Fill"/> does without a cut.
    /// </summary>
    public void Cut(SacBatch batch, ReplayBuffer buffer, Normalization observations, ReadOnlySpan<float> policyActions, SquashedActionBox box)
    {
        if (!Cuts) throw new InvalidOperationException("this lookahead has no cut tolerance");
        int ad = _actDim;
        for (int i = 0; i < batch.Size; i++)
        {
            int kept = 0;
            for (; kept < _chainLength[i]; kept++)
            {
                int slot = i * Span + kept;
                box.ToSquashed(buffer.ActionRow(_chainRows[slot]), _logged);
                if (!Within(_logged, policyActions.Slice(slot * ad, ad), CutTolerance)) break;
            }
            _chainLength[i] = kept;
            Finish(i, batch.Rows[i], kept, buffer, observations);
        }
    }

    /// <summary>Whether every dimension of <paramref name="logged"/> is within <paramref name="tolerance"/> of <paramref name="policy"/>.</summary>
    public static bool Within(ReadOnlySpan<float> logged, ReadOnlySpan<float> policy, float tolerance)
    {
        for (int d = 0; d < logged.Length; d++)
            if (MathF.Abs(logged[d] - policy[d]) > tolerance) return false;
        return true;
    }

    // The indicator sum over row t and the first m followed rows' predecessors; the target bootstraps at the m-th followed row.
    private void Finish(int i, int first, int m, ReplayBuffer buffer, Normalization observations)
    {
        int row = first;
        float partial = 0f, discount = 1f;
        for (int k = 0; k < m; k++)
        {
            partial += discount * (1f - buffer.Unsafe(row));
            discount *= _gammaSafe;
            row = _chainRows[i * Span + k];
        }
        _endRows[i] = row;
        _partial[i] = partial;
        _discount[i] = discount;
        observations.NormalizeObs(buffer.NextObsRow(row), NextObs.AsSpan(i * _obsDim, _obsDim));
    }

    /// <summary>The n-step target of batch row <paramref name="i"/>, given min Q_I'(s', pi_S'(s')) at its end row's s'.</summary>
    public float Target(int i, ReplayBuffer buffer, float nextMinQ)
    {
        int end = _endRows[i];
        return _partial[i] + _discount[i] * SafetyBudget.IndicatorTarget(buffer.Unsafe(end) > 0, buffer.Terminal(end) > 0, nextMinQ, _gammaSafe);
    }
}
