using OfflineSafety.Meta.Critics;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Sampling;

/// <summary>
/// Draws minibatches with replacement from a task's rows. With a positive fraction p, round(p B)
/// rows come from the unsafe rows and the rest from the safe ones (Recovery RL code's
/// pos_fraction), because violations are rare and a uniform batch often holds none. Without it,
/// rows are drawn uniformly (the logged class ratio). If one class is empty the other fills the batch.
/// </summary>
public sealed class ClassBalancedSampler
{
    private readonly Normalization _normalization;
    private readonly double? _positiveFraction;

    public ClassBalancedSampler(Normalization normalization, double? positiveFraction)
    {
        if (positiveFraction is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(positiveFraction), "pos_fraction must be in [0, 1]");
        _normalization = normalization;
        _positiveFraction = positiveFraction;
    }

    public int PositiveCount(TaskRows task, int batchSize)
    {
        if (task.UnsafeRows.Length == 0) return 0;
        if (task.SafeRows.Length == 0) return batchSize;
        return _positiveFraction is { } p ? (int)Math.Round(p * batchSize) : -1;
    }

    public void Sample(TaskRows task, CriticBatch into, Xoshiro256StarStar random)
    {
        int size = into.Size;
        int positives = PositiveCount(task, size);
        for (int i = 0; i < size; i++)
        {
            int row;
            if (positives < 0)
            {
                int k = random.NextInt(task.Count);
                row = k < task.UnsafeRows.Length ? task.UnsafeRows[k] : task.SafeRows[k - task.UnsafeRows.Length];
            }
            else
                row = i < positives ? task.UnsafeRows[random.NextInt(task.UnsafeRows.Length)] : task.SafeRows[random.NextInt(task.SafeRows.Length)];
            Fill(task, row, into, i);
        }
    }

    private void Fill(TaskRows task, int row, CriticBatch into, int i)
    {
        var batch = task.Batch;
        into.Rows[i] = row;
        _normalization.NormalizeObs(batch.ObsRow(row), into.ObsOf(i));
        _normalization.NormalizeAction(batch.ActionRow(row), into.ActionOf(i));
        _normalization.NormalizeObs(batch.NextObsRow(row), into.NextObsOf(i));
        into.Unsafe[i] = batch.Unsafe[row] ? 1f : 0f;
        into.Terminal[i] = batch.Terminal[row] ? 1f : 0f;
    }
}
