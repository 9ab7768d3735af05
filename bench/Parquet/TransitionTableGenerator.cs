using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Bench.Parquet;

/// <summary>
/// Generates the benchmark's transition table in the anchor's value style (bench/anchors/
/// parquet_anchor.mjs): 1000-step episodes over 20 variants, 17-dim observations in [0,1),
/// 6-dim actions in [-1,1), next observations in [1,2), 5% unsafe. Seeded, so every run writes
/// the same bytes; rows are produced in batches so a streaming write never holds the table.
/// </summary>
public sealed class TransitionTableGenerator(int seed = 17)
{
    public const int ObsDim = 17;
    public const int ActDim = 6;
    private const int EpisodeLength = 1000;
    private static readonly string[] Variants = Enumerable.Range(0, 20).Select(v => $"variant-{v}").ToArray();

    private readonly Random _random = new(seed);
    private readonly float[] _obs = new float[ObsDim];
    private readonly float[] _action = new float[ActDim];
    private readonly float[] _nextObs = new float[ObsDim];

    /// <summary>Clears <paramref name="batch"/> and fills it with rows [<paramref name="firstRow"/>, firstRow + count).</summary>
    public void Fill(TransitionBatch batch, long firstRow, int count)
    {
        batch.Clear();
        for (long row = firstRow; row < firstRow + count; row++)
        {
            for (int k = 0; k < ObsDim; k++) _obs[k] = _random.NextSingle();
            for (int k = 0; k < ActDim; k++) _action[k] = 2 * _random.NextSingle() - 1;
            for (int k = 0; k < ObsDim; k++) _nextObs[k] = 1 + _random.NextSingle();
            int step = (int)(row % EpisodeLength);
            batch.Add(row / EpisodeLength, step, Variants[row % Variants.Length], "generated", _obs, _action, _nextObs,
                reward: _random.NextSingle(), cost: _random.NextSingle() < 0.05f ? 1f : 0f, isUnsafe: _random.NextSingle() < 0.05f,
                terminal: step == EpisodeLength - 1, truncated: false);
        }
    }
}
