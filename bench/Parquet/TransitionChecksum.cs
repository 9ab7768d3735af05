using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
            case long[] v: integers = Sum(v); break;
            case int[] v: integers = Sum(v); break;
            case string[] v: foreach (var x in v) chars += x.Length; break;
            case float[] v: bits = Sum(MemoryMarshal.Cast<float, int>(v)); break;
            case bool[] v: trues = MemoryMarshal.Cast<bool, byte>(v).Count((byte)1); break;
            default: throw new ArgumentException($"column {column}: unexpected {values.GetType().Name}", nameof(values));
        }
        return new TransitionChecksum(integers, chars, bits, trues, values.Length);
    }

    // Vectorised as DuckDB's sum aggregates are, so the checksum inside the timed scan costs what theirs does.
    private static long Sum(ReadOnlySpan<int> values)
    {
        var acc = Vector256<long>.Zero;
        int i = 0;
        for (; i + Vector256<int>.Count <= values.Length; i += Vector256<int>.Count)
        {
            var (lower, upper) = Vector256.Widen(Vector256.Create(values.Slice(i, Vector256<int>.Count)));
            acc += lower + upper;
        }
        long total = Vector256.Sum(acc);
        for (; i < values.Length; i++) total += values[i];
        return total;
    }

    private static long Sum(ReadOnlySpan<long> values)
    {
        var acc = Vector256<long>.Zero;
        int i = 0;
        for (; i + Vector256<long>.Count <= values.Length; i += Vector256<long>.Count)
            acc += Vector256.Create(values.Slice(i, Vector256<long>.Count));
        long total = Vector256.Sum(acc);
        for (; i < values.Length; i++) total += values[i];
        return total;
    }
}
