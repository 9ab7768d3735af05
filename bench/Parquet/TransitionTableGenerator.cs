namespace OfflineSafety.Bench.Parquet;

/// <summary>
/// Generates the benchmark's transition table in the anchor's value style (bench/scripts/
/// parquet_anchor.mjs): 1000-step episodes over 20 variants, 17-dim observations in [0,1),
/// 6-dim actions in [-1,1), next observations in [1,2), 5% cost and 5% unsafe. Seeded, so every
/// run writes the same values; rows come in slices so a streaming write never holds the table.
/// </summary>
public sealed class TransitionTableGenerator(int seed = 17)
{
    public const int ObsDim = 17;
    public const int ActDim = 6;
    private const int EpisodeLength = 1000;
    private static readonly string[] Variants = Enumerable.Range(0, 20).Select(v => $"variant-{v}").ToArray();

    private readonly Random _random = new(seed);

    public static TransitionTable Allocate(int rows) => new(rows, ObsDim, ActDim);

    /// <summary>Overwrites <paramref name="table"/> with rows [<paramref name="firstRow"/>, firstRow + count).</summary>
    public void Fill(TransitionTable table, long firstRow, int count)
    {
        if (count > table.Capacity) throw new ArgumentOutOfRangeException(nameof(count), $"{count} rows do not fit a table of {table.Capacity}");
        for (int i = 0; i < count; i++)
        {
            long row = firstRow + i;
            int step = (int)(row % EpisodeLength);
            table.EpisodeId[i] = row / EpisodeLength;
            table.Step[i] = step;
            table.Variant[i] = Variants[row % Variants.Length];
            table.Source[i] = "generated";
            for (int k = 0; k < ObsDim; k++) table.Obs[i * ObsDim + k] = _random.NextSingle();
            for (int k = 0; k < ActDim; k++) table.Action[i * ActDim + k] = 2 * _random.NextSingle() - 1;
            for (int k = 0; k < ObsDim; k++) table.NextObs[i * ObsDim + k] = 1 + _random.NextSingle();
            table.Reward[i] = _random.NextSingle();
            table.Cost[i] = _random.NextSingle() < 0.05f ? 1f : 0f;
            table.Unsafe[i] = _random.NextSingle() < 0.05f;
            table.Terminal[i] = step == EpisodeLength - 1;
            table.Truncated[i] = false;
        }
        table.Count = count;
    }
}
