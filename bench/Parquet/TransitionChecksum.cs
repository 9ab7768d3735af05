using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Bench.Parquet;

/// <summary>
/// Order-independent totals of every column, so a scan is checked against what was written
/// without holding both tables: integer sums, string lengths, counts of true, and float bit
/// patterns summed as integers (exact, unlike float sums, whatever order the parts arrive in).
/// </summary>
public readonly record struct TransitionChecksum(long Integers, long StringChars, long FloatBits, long TrueCount, long Values)
{
    public static TransitionChecksum operator +(TransitionChecksum a, TransitionChecksum b) =>
        new(a.Integers + b.Integers, a.StringChars + b.StringChars, a.FloatBits + b.FloatBits, a.TrueCount + b.TrueCount, a.Values + b.Values);

    public static TransitionChecksum Of(TransitionTable t)
    {
        int n = t.Count;
        return OfColumn(TransitionColumns.EpisodeId, t.EpisodeId[..n]) + OfColumn(TransitionColumns.Step, t.Step[..n])
            + OfColumn(TransitionColumns.Variant, t.Variant[..n]) + OfColumn(TransitionColumns.Source, t.Source[..n])
            + OfColumn(TransitionColumns.Obs, t.Obs[..(n * t.ObsDim)]) + OfColumn(TransitionColumns.Action, t.Action[..(n * t.ActDim)])
            + OfColumn(TransitionColumns.NextObs, t.NextObs[..(n * t.ObsDim)]) + OfColumn(TransitionColumns.Reward, t.Reward[..n])
            + OfColumn(TransitionColumns.Cost, t.Cost[..n]) + OfColumn(TransitionColumns.Unsafe, t.Unsafe[..n])
            + OfColumn(TransitionColumns.Terminal, t.Terminal[..n]) + OfColumn(TransitionColumns.Truncated, t.Truncated[..n]);
    }

    public static TransitionChecksum OfColumn(string column, Array values)
    {
        long integers = 0, chars = 0, bits = 0, trues = 0;
        switch (values)
        {
            case long[] v: foreach (var x in v) integers += x; break;
            case int[] v: foreach (var x in v) integers += x; break;
            case string[] v: foreach (var x in v) chars += x.Length; break;
            case float[] v: foreach (var x in v) bits += BitConverter.SingleToInt32Bits(x); break;
            case bool[] v: foreach (var x in v) trues += x ? 1 : 0; break;
            default: throw new ArgumentException($"column {column}: unexpected {values.GetType().Name}", nameof(values));
        }
        return new TransitionChecksum(integers, chars, bits, trues, values.Length);
    }
}
