using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Ingest.Tests.Datasets;

/// <summary>Deterministic transition batches for dataset tests.</summary>
public static class SampleTransitions
{
    public const int ObsDim = 3;
    public const int ActDim = 2;

    public static DatasetMetadata Metadata(int checkpointInterval = 10) => new("Sample-v0", ObsDim, ActDim)
    {
        ObsLow = [-1, -2, -3],
        ObsHigh = [1, 2, 3],
        ActionLow = [-1, -1],
        ActionHigh = [1, 1],
        CheckpointInterval = checkpointInterval,
        VariantParams = new Dictionary<string, IReadOnlyDictionary<string, double>> { ["light"] = new Dictionary<string, double> { ["mass"] = 0.5 } },
    };

    /// <summary>
    /// <paramref name="episodes"/> episodes of <paramref name="steps"/> steps each; every third step
    /// is unsafe; episode ids start at <paramref name="firstEpisode"/>.
    /// </summary>
    public static TransitionBatch Make(string variant, string source, long firstEpisode, int episodes, int steps)
    {
        var b = new TransitionBatch(ObsDim, ActDim, episodes * steps);
        for (int e = 0; e < episodes; e++)
        for (int t = 0; t < steps; t++)
        {
            long ep = firstEpisode + e;
            float x = ep * 0.25f + t * 0.125f;
            b.Add(ep, t, variant, source, [x, -x, x * 0.5f], [t * 0.1f, -0.3f], [x + 1, -x - 1, x], 1f - t, t % 3 == 2 ? 1f : 0f,
                t % 3 == 2, t == steps - 1, false);
        }
        return b;
    }

    public static void AssertSameRows(TransitionBatch expected, TransitionBatch actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.EpisodeId.ToArray(), actual.EpisodeId.ToArray());
        Assert.Equal(expected.Step.ToArray(), actual.Step.ToArray());
        Assert.Equal(expected.Variant.ToArray(), actual.Variant.ToArray());
        Assert.Equal(expected.Source.ToArray(), actual.Source.ToArray());
        Assert.Equal(expected.Obs.ToArray(), actual.Obs.ToArray());
        Assert.Equal(expected.Action.ToArray(), actual.Action.ToArray());
        Assert.Equal(expected.NextObs.ToArray(), actual.NextObs.ToArray());
        Assert.Equal(expected.Reward.ToArray(), actual.Reward.ToArray());
        Assert.Equal(expected.Cost.ToArray(), actual.Cost.ToArray());
        Assert.Equal(expected.Unsafe.ToArray(), actual.Unsafe.ToArray());
        Assert.Equal(expected.Terminal.ToArray(), actual.Terminal.ToArray());
        Assert.Equal(expected.Truncated.ToArray(), actual.Truncated.ToArray());
    }

    /// <summary>Rows sorted by (variant, source, episode, step), for comparing contents regardless of file order.</summary>
    public static List<(string, string, long, int)> Keys(TransitionBatch b) =>
        Enumerable.Range(0, b.Count).Select(i => (b.Variant[i], b.Source[i], b.EpisodeId[i], b.Step[i])).Order().ToList();
}
