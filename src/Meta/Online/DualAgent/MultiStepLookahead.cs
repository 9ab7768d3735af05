using OfflineSafety.Meta.Critics;

namespace OfflineSafety.Meta.Online.DualAgent;

/// <summary>
/// n-step targets for Q_I: sum_{j&lt;k} gbar^j I_{t+j} + gbar^k (the one-step target at row t+k), following the buffer's
/// own rows for up to n steps, stopping at an episode's end (a terminal row, or a next row that does not continue the
/// episode) or at the newest row. The intermediate actions are the logged ones (either agent's, with noise), not pi_S's:
/// uncorrected n-step returns, biased towards the behaviour's safety, in exchange for a horizon that grows n times faster
/// per target update. Why that matters: Q_I learns its horizon one bootstrap at a time, and on cart-pole a push towards
/// the centre looks safe for a few steps before, through the pole's lean, it carries the cart outwards (docs/transfer.md).
/// </summary>
public sealed class MultiStepLookahead
{
    private readonly int[] _endRows;
    private readonly float[] _partial;
    private readonly float[] _discount;
    private readonly float _gammaSafe;

    public MultiStepLookahead(int steps, float gammaSafe, int batchSize, int obsDim)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        Steps = steps;
        _gammaSafe = gammaSafe;
        _endRows = new int[batchSize];
        _partial = new float[batchSize];
        _discount = new float[batchSize];
        NextObs = new float[batchSize * obsDim];
    }

    public int Steps { get; }

    /// <summary>Normalised s' of each batch row's last followed row: where the target bootstraps.</summary>
    public float[] NextObs { get; }

    /// <summary>The buffer row whose s' the target bootstraps from, per batch row.</summary>
    public int EndRow(int i) => _endRows[i];

    /// <summary>Follows each of the batch's rows forward; <see cref="NextObs"/> is then normalised by <paramref name="observations"/>.</summary>
    public void Fill(SacBatch batch, ReplayBuffer buffer, Normalization observations)
    {
        int od = buffer.ObsDim;
        for (int i = 0; i < batch.Size; i++)
        {
            int row = batch.Rows[i];
            float partial = 0f, discount = 1f;
            for (int k = 1; k < Steps && buffer.Terminal(row) == 0; k++)
            {
                int next = buffer.Successor(row);
                if (next < 0 || !buffer.ObsRow(next).SequenceEqual(buffer.NextObsRow(row))) break;
                partial += discount * (1f - buffer.Unsafe(row));
                discount *= _gammaSafe;
                row = next;
            }
            _endRows[i] = row;
            _partial[i] = partial;
            _discount[i] = discount;
            observations.NormalizeObs(buffer.NextObsRow(row), NextObs.AsSpan(i * od, od));
        }
    }

    /// <summary>The n-step target of batch row <paramref name="i"/>, given min Q_I'(s', pi_S'(s')) at its end row's s'.</summary>
    public float Target(int i, ReplayBuffer buffer, float nextMinQ)
    {
        int end = _endRows[i];
        return _partial[i] + _discount[i] * SafetyBudget.IndicatorTarget(buffer.Unsafe(end) > 0, buffer.Terminal(end) > 0, nextMinQ, _gammaSafe);
    }
}
