using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Evaluation;

namespace OfflineSafety.Meta.Tests.Evaluation;

public class ViolationOutcomesTests
{
    private static void Add(TransitionBatch b, long episode, int step, bool isUnsafe, string variant = "v") =>
        b.Add(episode, step, variant, "test", [step], [0f], [step + 1], 0, isUnsafe ? 1 : 0, isUnsafe, isUnsafe, false);

    [Fact]
    public void Outcomes_look_ahead_within_the_episode_only_and_in_step_order()
    {
        var b = new TransitionBatch(1, 1);
        // Episode 1, stored out of order: steps 0..3, violation at step 3.
        Add(b, 1, 2, false);
        Add(b, 1, 0, false);
        Add(b, 1, 3, true);
        Add(b, 1, 1, false);
        // Episode 2: no violation. Same episode id in another variant with a violation must not leak in.
        Add(b, 2, 0, false);
        Add(b, 2, 1, false);
        Add(b, 2, 2, true, variant: "w");

        var o = ViolationOutcomes.Compute(b, horizon: 3, gammaRisk: 0.5f);

        Assert.Equal([1, 3, 0, 2, -1, -1, 0], o.StepsToViolation);
        // Within 3 steps means k in {0,1,2}: step 0 (k = 3) is outside.
        Assert.Equal([true, false, true, true, false, false, true], o.WithinHorizon);
        Assert.Equal([0.5f, 0.125f, 1f, 0.25f, 0f, 0f, 1f], o.Discounted);
    }

    [Fact]
    public void A_gap_in_steps_breaks_the_chain()
    {
        var b = new TransitionBatch(1, 1);
        Add(b, 5, 0, false);
        Add(b, 5, 2, true); // step 1 missing from the log
        var o = ViolationOutcomes.Compute(b, 5, 0.8f);
        Assert.Equal([-1, 0], o.StepsToViolation);
    }
}
