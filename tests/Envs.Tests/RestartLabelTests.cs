using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.MuJoCo;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Testing;

namespace OfflineSafety.Envs.Tests;

/// <summary>Recoverability restarts (<see cref="RestartLabelCollection"/>) on Ant-Disabled's most falling training leg.</summary>
public class RestartLabelTests
{
    private const int Rows = 8_000;
    private static readonly EnvironmentDefinition Ant = EnvironmentRegistry.Default.Get(AntDisabled.EnvironmentId);

    public RestartLabelTests() => DebianPackages.EnsureInstalled(MuJoCoLibrary.Package);

    private static (TransitionBatch Rows, RecordingSummary Summary) Collect(IVariantCollection collection)
    {
        var sink = new TransitionCollector(Ant.ObservationSpace.Dim, Ant.ActionSpace.Dim);
        var summary = collection.Collect(Ant, Ant.Variants.Parse("leg=2,power=0"), 5, 6, sink, Rows, 1L << 32, null, CancellationToken.None);
        return (sink.Batch, summary);
    }

    [Fact]
    public void Restarts_follow_the_logged_rows_unchanged_and_re_step_exactly()
    {
        var (plain, _) = Collect(RecipeCollection.Instance);
        var restart = new RestartLabelCollection(RecipeCollection.Instance, actionsPerState: 3, horizon: 10, stateStride: 3);
        var (rows, summary) = Collect(restart);
        Assert.True(plain.Unsafe.Contains(true), "the logged rows should hold a fall to restart from");

        // The logged rows come first, untouched.
        Assert.Equal(summary.Rows, rows.Count);
        Assert.Equal(plain.Obs.ToArray(), rows.Obs[..plain.Obs.Length].ToArray());
        Assert.Equal(plain.Action.ToArray(), rows.Action[..plain.Action.Length].ToArray());
        Assert.Equal(plain.Unsafe.ToArray(), rows.Unsafe[..Rows].ToArray());

        // States k = 1, 4, 7, 10 steps before each first fall, three actions each.
        var states = restart.RestartStates(plain);
        Assert.NotEmpty(states);
        int starts = 0;
        for (int i = Rows; i < rows.Count; i++) if (rows.Step[i] == 0) starts++;
        Assert.Equal(states.Count * 3, starts);
        Assert.Equal(summary.Episodes - starts, Collect(RecipeCollection.Instance).Summary.Episodes);

        // Each restart starts at a logged state and re-steps exactly: holding its action from its
        // first state reproduces every row, and it ends at the first violation or the horizon.
        var env = Ant.CreateForCollection(Ant.Variants.Parse("leg=2,power=0"), 99);
        int avoided = 0, fell = 0;
        for (int i = Rows; i < rows.Count;)
        {
            Assert.Equal(RestartLabelCollection.Source, rows.Source[i]);
            Assert.Equal(0, rows.Step[i]);
            int end = i;
            while (end + 1 < rows.Count && rows.EpisodeId[end + 1] == rows.EpisodeId[i]) end++;
            Assert.InRange(end - i + 1, 1, 10);
            env.ResetTo(rows.ObsRow(i));
            for (int j = i; j <= end; j++)
            {
                Assert.Equal(rows.ActionRow(i).ToArray(), rows.ActionRow(j).ToArray());
                var result = env.Step(rows.ActionRow(j));
                Assert.Equal(rows.NextObsRow(j).ToArray(), result.Observation.ToArray());
                Assert.Equal(rows.Unsafe[j], result.Unsafe);
                if (j < end) Assert.False(result.Unsafe);
            }
            Assert.True(rows.Unsafe[end] || rows.Truncated[end]);
            if (rows.Unsafe[end]) fell++; else avoided++;
            i = end + 1;
        }
        Assert.True(fell > 0);
        Assert.Equal(summary.Violations - fell, plain.Unsafe.Count(true));
    }

    [Fact]
    public void Restart_states_are_logged_states_before_a_first_fall()
    {
        var (plain, _) = Collect(RecipeCollection.Instance);
        var restart = new RestartLabelCollection(RecipeCollection.Instance, 1, horizon: 10, stateStride: 3);
        foreach (int row in restart.RestartStates(plain))
        {
            // A fall of the same episode follows within the horizon, with none before it.
            int k = 0;
            while (!plain.Unsafe[row + k]) { k++; Assert.Equal(plain.EpisodeId[row], plain.EpisodeId[row + k]); }
            Assert.Contains(k + 1, new[] { 1, 4, 7, 10 });
        }
    }

    [Fact]
    public void The_same_seeds_give_the_same_restarts()
    {
        var restart = new RestartLabelCollection(RecipeCollection.Instance, 2, horizon: 10);
        var (a, _) = Collect(restart);
        var (b, _) = Collect(restart);
        Assert.Equal(a.Count, b.Count);
        Assert.Equal(a.Obs.ToArray(), b.Obs.ToArray());
        Assert.Equal(a.Action.ToArray(), b.Action.ToArray());
        Assert.Equal(a.NextObs.ToArray(), b.NextObs.ToArray());
        Assert.Equal(a.Unsafe.ToArray(), b.Unsafe.ToArray());
    }
}
