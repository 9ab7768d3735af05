using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.Extraction;
using OfflineSafety.Envs.Suites;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Errors;
using Xunit.Abstractions;

namespace OfflineSafety.Envs.Tests;

public class ExtractionTests(ITestOutputHelper output)
{
    private static readonly ContainerVariant Wide = new(0, 0.6, 0.8);

    [Fact]
    public void Same_seed_same_episode()
    {
        var family = new ContainerFamily();
        var task = family.HeldOutTasks[2];
        var a = new ObjectExtraction(task, 11);
        var b = new ObjectExtraction(task, 11);
        var policyA = new ScriptedExtractionPolicy(5);
        var policyB = new ScriptedExtractionPolicy(5);
        var action = new float[2];
        for (int episode = 0; episode < 20; episode++)
        {
            var oa = policyA.BeginRollout(a).ToArray();
            Assert.Equal(oa, policyB.BeginRollout(b).ToArray());
            for (int t = 0; t < a.Horizon; t++)
            {
                policyA.Act(oa, action);
                var ra = a.Step(action);
                var rb = b.Step(action);
                Assert.Equal(ra.Observation.ToArray(), rb.Observation.ToArray());
                Assert.Equal((ra.Reward, ra.Cost, ra.Terminal, ra.Truncated), (rb.Reward, rb.Cost, rb.Terminal, rb.Truncated));
                policyB.Act(rb.Observation, action);
                oa = ra.Observation.ToArray();
                if (ra.Terminal || ra.Truncated) break;
            }
        }
    }

    [Fact]
    public void Straight_down_the_centre_line_extracts_the_object_safely()
    {
        var env = new ObjectExtraction(Wide, 1, parameters: ExtractionParameters.Default with { NoiseStd = 0 });
        env.ResetTo([0, 0.3f, 0, 0, 0.6f, 0.8f]);
        int steps = 0;
        StepResult r;
        do r = env.Step([0, -1]); while (++steps < 20 && !r.Terminal && r.Observation[2] < 0.5f);
        Assert.Equal(1f, r.Observation[2]);                 // picked up on reaching it
        Assert.Equal(0f, r.Cost);
        Assert.Equal(-1f, r.Reward);
        do r = env.Step([0, 1]); while (!r.Terminal && !r.Truncated);
        Assert.True(r.Info.Success);
        Assert.Equal(1f, r.Reward);
        Assert.False(r.Unsafe);
        Assert.True(r.Observation[1] >= ExtractionParameters.Default.LiftClearance);
    }

    [Fact]
    public void Touching_a_wall_is_a_violation_that_ends_an_online_episode()
    {
        var exact = ExtractionParameters.Default with { NoiseStd = 0 };
        var env = new ObjectExtraction(Wide, 1, parameters: exact);
        // Inside, beside the right wall at x = 0.3: one step right brings the disc within its radius.
        env.ResetTo([0.2f, -0.3f, 0, 0, 0.6f, 0.8f]);
        var r = env.Step([0.5f, 0]);
        Assert.True(r.Unsafe);
        Assert.Equal(1f, r.Cost);
        Assert.True(r.Terminal);
        Assert.False(r.Info.Success);

        var offline = new ObjectExtraction(Wide, 1, new EnvironmentOptions(ViolationEndsEpisode: false), exact);
        offline.ResetTo([0.2f, -0.3f, 0, 0, 0.6f, 0.8f]);
        r = offline.Step([0.5f, 0]);
        Assert.True(r.Unsafe);
        Assert.False(r.Terminal);
    }

    [Fact]
    public void A_step_across_a_wall_is_caught_on_its_swept_path()
    {
        // A thin container wall and a long step: both ends lie farther than the radius from the wall.
        var jumpy = ExtractionParameters.Default with { NoiseStd = 0, StepLength = 0.5f };
        var env = new ObjectExtraction(Wide, 1, parameters: jumpy);
        env.ResetTo([0.1f, -0.3f, 0, 0, 0.6f, 0.8f]);
        var r = env.Step([1, 0]);
        Assert.Equal(0.6f, r.Observation[0], 5);
        Assert.True(r.Unsafe);
        Assert.Equal(0f, ObjectExtraction.SegmentDistance(0, 0, 1, 1, 0, 1, 1, 0));
        Assert.Equal(1f, ObjectExtraction.SegmentDistance(0, 0, 0, 1, 1, 0, 1, 1), 5);
    }

    [Fact]
    public void Rim_and_open_air_are_safe()
    {
        var env = new ObjectExtraction(Wide, 1, parameters: ExtractionParameters.Default with { NoiseStd = 0 });
        env.ResetTo([0.3f, 0.07f, 0, 0, 0.6f, 0.8f]);   // just clear of the rim's top end
        Assert.False(env.Step([1, 0]).Unsafe);
        env.ResetTo([-1f, -0.7f, 0, 0, 0.6f, 0.8f]);           // on the table, away from the container
        Assert.False(env.Step([-1, -1]).Unsafe);
    }

    [Fact]
    public void ResetTo_rejects_another_tasks_container()
    {
        var env = new ObjectExtraction(Wide, 1);
        Assert.Throws<ArgumentException>(() => env.ResetTo([0, 1, 0, 0.1f, 0.6f, 0.8f]));
        Assert.Throws<ArgumentException>(() => env.ResetTo([0, 1]));
    }

    [Fact]
    public void Variants_round_trip_and_reject_what_the_gripper_cannot_enter()
    {
        var v = new ContainerVariant(-0.1234, 0.45678, 0.9);
        Assert.Equal("cx=-0.123,w=0.457,h=0.900", v.Id);
        Assert.Equal(v, ContainerVariant.Parse(v.Id));
        Assert.Throws<BadInputException>(() => new ContainerVariant(0, 0.1, 0.5));
        Assert.Throws<BadInputException>(() => ContainerVariant.Parse("cx=0,w=0.5"));
        Assert.Throws<BadInputException>(() => EnvironmentRegistry.Default.Get("extraction").Create(new PoleLengthVariant(1), 0));
    }

    [Fact]
    public void Six_fixed_held_out_tasks_that_are_narrow_and_deep()
    {
        var a = new ContainerFamily().HeldOutTasks;
        var b = new ContainerFamily().HeldOutTasks;
        Assert.Equal(6, a.Count);
        Assert.Equal(a, b);
        Assert.Equal(6, a.Distinct().Count());
        Assert.All(a, t =>
        {
            Assert.InRange(t.Width, 0.3f, 0.42f);
            Assert.InRange(t.Height, 0.75f, 1.0f);
        });
        var training = VariantSampling.TrainingVariants(new ContainerFamily(), 40, 7).Cast<ContainerVariant>().ToList();
        Assert.Equal(40, training.Distinct().Count());
        Assert.DoesNotContain(training, t => a.Contains(t));
        Assert.InRange(training.Average(t => t.Width), 0.45, 0.65);
    }

    [Fact]
    public void Scripted_data_holds_safe_successes_and_violations_and_is_seed_deterministic()
    {
        var request = new SuiteRequest("extraction", 40, 600, "auto", 600, Seed: 3);
        var suite = new SuiteGenerator().Generate(request);
        var again = new SuiteGenerator().Generate(request);
        Assert.Equal(suite.Training[7].Batch.Obs.ToArray(), again.Training[7].Batch.Obs.ToArray());
        Assert.Equal(suite.Test.Batch.Unsafe.ToArray(), again.Test.Batch.Unsafe.ToArray());

        int rows = suite.Training.Sum(v => v.Summary.Rows);
        int violations = suite.Training.Sum(v => v.Summary.Violations);
        int successes = suite.Training.Sum(v => v.Summary.Successes);
        int episodes = suite.Training.Sum(v => v.Summary.Episodes);
        int violating = suite.Training.Sum(v => v.Summary.ViolatingEpisodes);
        int cleanSuccesses = suite.Training.Sum(v => CleanSuccesses(v.Batch).Episodes);
        int cleanRows = suite.Training.Sum(v => CleanSuccesses(v.Batch).Rows);
        output.WriteLine($"rows {rows} episodes {episodes} violations {violations} violating episodes {violating} successes {successes} clean successes {cleanSuccesses} ({cleanRows} rows; unsafe share of labelled rows {(double)violations / (violations + cleanRows):0.000}); " +
            $"test: {suite.Test.Summary.Episodes} episodes, {suite.Test.Summary.ViolatingEpisodes} violating, {suite.Test.Summary.Successes} successes");
        Assert.InRange((double)violating / episodes, 0.2, 0.6);
        Assert.InRange((double)successes / episodes, 0.6, 1.0);
        Assert.InRange((double)cleanSuccesses / episodes, 0.3, 0.8);
        // The held-out tasks are narrower: the same script touches them more often.
        Assert.True((double)suite.Test.Summary.ViolatingEpisodes / suite.Test.Summary.Episodes > (double)violating / episodes);
    }

    /// <summary>Episodes that succeed without a violation (the safe data of a prior fit), and their rows.</summary>
    private static (int Episodes, int Rows) CleanSuccesses(Ingest.Transitions.TransitionBatch batch)
    {
        int clean = 0, rows = 0, start = 0;
        bool violated = false;
        for (int i = 0; i < batch.Count; i++)
        {
            if (i > 0 && batch.EpisodeId[i] != batch.EpisodeId[i - 1]) { violated = false; start = i; }
            violated |= batch.Unsafe[i];
            if (batch.Reward[i] > 0 && !violated) { clean++; rows += i - start + 1; }
        }
        return (clean, rows);
    }
}
