using OfflineSafety.Meta.Online;
using OfflineSafety.Pipeline.Experiments;

namespace OfflineSafety.Pipeline.Tests.Online;

/// <summary>The samples-to-target rule of `experiment dual-agent`: the first of K consecutive passing evaluations.</summary>
public sealed class TargetRuleTests
{
    private const double TargetReturn = 187.3, Limit = 0.05;

    // Steps 1000..7000: a lucky pass at 2000, a failure on cost at 3000, then passes from 5000 on with a return miss at 6000 and a pass at 7000.
    private static readonly EvaluationPoint[] Evaluations =
    [
        Point(1000, 120, 0.00),
        Point(2000, 190, 0.01),
        Point(3000, 195, 0.20),
        Point(4000, 188, 0.04),
        Point(5000, 200, 0.00),
        Point(6000, 150, 0.00),
        Point(7000, 199, 0.00),
    ];

    [Fact]
    public void One_pass_counts_at_the_first_passing_evaluation() =>
        Assert.Equal(2000, new TargetRule(PassesInARow: 1).FirstPass(Evaluations, TargetReturn, Limit)?.Steps);

    [Fact]
    public void Two_in_a_row_count_at_the_first_of_the_pair() =>
        Assert.Equal(4000, new TargetRule(PassesInARow: 2).FirstPass(Evaluations, TargetReturn, Limit)?.Steps);

    [Fact]
    public void A_streak_broken_before_K_passes_is_a_miss() =>
        Assert.Null(new TargetRule(PassesInARow: 3).FirstPass(Evaluations, TargetReturn, Limit));

    [Fact]
    public void The_defaults_are_the_strict_rule_ten_episodes_two_passes_in_a_row() =>
        Assert.Equal(new TargetRule(2, 10, 2), new TargetRule());

    private static EvaluationPoint Point(long steps, double meanReturn, double costPerStep) =>
        new(steps, (int)(steps / 1000), new EvaluationResult(3, 0, 0, meanReturn) { CostPerStep = costPerStep });
}
