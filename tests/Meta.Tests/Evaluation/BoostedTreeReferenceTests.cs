using OfflineSafety.Meta.Evaluation;

namespace OfflineSafety.Meta.Tests.Evaluation;

public class BoostedTreeReferenceTests
{
    private static readonly BoostedTreeSettings Settings = new() { GammaRisk = 0.8f, Horizon = 3, Iterations = 60, Leaves = 15, Seed = 7 };

    [Fact]
    public void On_the_wall_walk_the_classifier_ranks_held_out_rows_well_above_chance()
    {
        var train = WallWalk.Generate([("g1", 0.3f)], episodesPerVariant: 400, seed: 1);
        var heldOut = WallWalk.Generate([("g1", 0.3f)], episodesPerVariant: 200, seed: 2);

        var reference = BoostedTreeReference.Train(train, Settings);
        var scores = reference.Evaluate(heldOut, Settings);

        Assert.Equal(train.Count, scores.TrainingRows);
        Assert.InRange(scores.TrainingPositives, 1, train.Count - 1);
        // Closeness to the wall (and a step towards it) decides the label, which trees find easily.
        Assert.True(scores.Auc > 0.85, $"AUC {scores.Auc}");
        // Predicting the held-out base rate everywhere is the Brier score to beat.
        var outcomes = ViolationOutcomes.Compute(heldOut, Settings.Horizon, Settings.GammaRisk);
        float mean = outcomes.Discounted.Average();
        double constant = RiskMetrics.Brier(Enumerable.Repeat(mean, heldOut.Count).ToArray(), outcomes.Discounted);
        Assert.True(scores.Brier < constant, $"Brier {scores.Brier} vs constant {constant}");
    }

    [Fact]
    public void A_seed_fixes_the_predictions()
    {
        var train = WallWalk.Generate([("g1", 0.3f)], episodesPerVariant: 200, seed: 3);
        var heldOut = WallWalk.Generate([("g1", 0.3f)], episodesPerVariant: 50, seed: 4);

        var first = BoostedTreeReference.Train(train, Settings).Predict(heldOut);
        var second = BoostedTreeReference.Train(train, Settings).Predict(heldOut);

        Assert.Equal(first.WithinHorizon, second.WithinHorizon);
        Assert.Equal(first.Discounted, second.Discounted);
    }

    [Fact]
    public void Rows_of_one_class_are_refused_with_a_user_error()
    {
        var train = WallWalk.Generate([("g1", 0.001f)], episodesPerVariant: 20, seed: 5);

        var error = Assert.Throws<OfflineSafety.Errors.BadInputException>(() => BoostedTreeReference.Train(train, Settings));
        Assert.Contains("with and without a violation", error.Message);
    }
}
