using OfflineSafety.Envs;
using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.MuJoCo;
using OfflineSafety.Envs.Suites;
using OfflineSafety.Meta.Online;
using OfflineSafety.Testing;

namespace OfflineSafety.Meta.Tests.Online;

/// <summary>
/// The thesis's locomotion training sets as SAC replay buffers (<see cref="SacReplayCollection"/>),
/// on the real Ant with a tiny SAC so a suite takes seconds.
/// </summary>
public sealed class SacReplayCollectionTests
{
    private static readonly SacSettings TinySac = new() { Hidden = [16, 16], BatchSize = 16 };
    private const int Rows = 1_300;   // one full 1,000-step episode and a cut one
    private const int TestRows = 300;

    public SacReplayCollectionTests() => DebianPackages.EnsureInstalled(MuJoCoLibrary.Package);

    private static GeneratedSuite Suite(IVariantCollection? training, ulong seed = 5) =>
        new SuiteGenerator(trainingCollection: training).Generate(new SuiteRequest(AntDisabled.EnvironmentId, 2, Rows, "auto", TestRows, seed));

    [Fact]
    public void The_same_seed_gives_the_same_rows_and_another_seed_other_rows()
    {
        var a = Suite(new SacReplayCollection(TinySac));
        var b = Suite(new SacReplayCollection(TinySac));
        var c = Suite(new SacReplayCollection(TinySac), seed: 6);
        for (int v = 0; v < a.Training.Count; v++)
        {
            Assert.Equal(a.Training[v].Batch.Obs.ToArray(), b.Training[v].Batch.Obs.ToArray());
            Assert.Equal(a.Training[v].Batch.Action.ToArray(), b.Training[v].Batch.Action.ToArray());
            Assert.Equal(a.Training[v].Batch.Unsafe.ToArray(), b.Training[v].Batch.Unsafe.ToArray());
            Assert.Equal(a.Training[v].Summary, b.Training[v].Summary);
        }
        Assert.NotEqual(a.Training[0].Batch.Action.ToArray(), c.Training[0].Batch.Action.ToArray());
    }

    [Fact]
    public void Training_rows_come_from_the_declared_SAC_and_the_test_rows_from_the_recipe_unchanged()
    {
        var sac = Suite(new SacReplayCollection(TinySac));
        var recipe = Suite(null);
        var wider = Suite(new SacReplayCollection(TinySac with { Hidden = [24, 24] }));

        Assert.All(sac.Training, v => Assert.All(v.Batch.Source.ToArray(), s => Assert.Equal(SacReplayCollection.CollectionName, s)));
        Assert.All(recipe.Training, v => Assert.All(v.Batch.Source.ToArray(), s => Assert.Equal("random-network", s)));
        // Same variants, other behaviour: the SAC's own actions, and its settings are the ones used.
        Assert.Equal(recipe.Training.Select(v => v.Variant.Variant.Id), sac.Training.Select(v => v.Variant.Variant.Id));
        Assert.NotEqual(recipe.Training[0].Batch.Action.ToArray(), sac.Training[0].Batch.Action.ToArray());
        Assert.NotEqual(wider.Training[0].Batch.Action[^100..].ToArray(), sac.Training[0].Batch.Action[^100..].ToArray());
        // The held-out variant keeps the thesis's random-policy test set, row for row.
        Assert.Equal(recipe.Test.Batch.Obs.ToArray(), sac.Test.Batch.Obs.ToArray());
        Assert.Equal(recipe.Test.Batch.Action.ToArray(), sac.Test.Batch.Action.ToArray());
        Assert.Equal(recipe.Test.Batch.Source.ToArray(), sac.Test.Batch.Source.ToArray());
    }

    [Fact]
    public void Rows_are_the_suites_shape_and_their_labels_are_what_the_environment_says()
    {
        var definition = EnvironmentRegistry.Default.Get(AntDisabled.EnvironmentId);
        var suite = Suite(new SacReplayCollection(TinySac));
        foreach (var data in suite.Training)
        {
            var rows = data.Batch;
            Assert.Equal(Rows, rows.Count);
            Assert.Equal(Rows, data.Summary.Rows);
            Assert.Equal(2, data.Summary.Episodes);
            long first = (long)data.Variant.Ordinal << 32;
            for (int i = 0; i < rows.Count; i++)
            {
                Assert.Equal(first + i / 1000, rows.EpisodeId[i]);
                Assert.Equal(i % 1000, rows.Step[i]);
                Assert.Equal(data.Variant.Variant.Id, rows.Variant[i]);
                Assert.Equal(rows.Cost[i] > 0, rows.Unsafe[i]);
                // As the recipe: a violation does not end a collection rollout; the horizon and the budget cut it.
                Assert.False(rows.Terminal[i]);
                Assert.Equal(i == 999 || i == Rows - 1, rows.Truncated[i]);
                if (i + 1 < rows.Count && rows.EpisodeId[i + 1] == rows.EpisodeId[i])
                    Assert.Equal(rows.NextObsRow(i).ToArray(), rows.ObsRow(i + 1).ToArray());
            }
            Assert.Equal(rows.Unsafe.ToArray().Count(u => u), data.Summary.Violations);

            // Each logged (s, a) stepped again from s gives the logged s' and violation label.
            var env = definition.CreateForCollection(data.Variant.Variant, 1);
            for (int i = 0; i < rows.Count; i += 37)
            {
                env.ResetTo(rows.ObsRow(i));
                var result = env.Step(rows.ActionRow(i));
                Assert.Equal(rows.Unsafe[i], result.Unsafe);
                var next = rows.NextObsRow(i);
                for (int k = 0; k < next.Length; k++) Assert.Equal(next[k], result.Observation[k], 3);
            }
        }
    }
}
