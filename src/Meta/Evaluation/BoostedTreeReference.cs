using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Meta.Evaluation;

/// <summary>
/// Settings of the non-neural reference: gradient-boosted trees (LightGBM) on [s ++ a], with
/// the horizon and gamma_risk the critics are scored with. One thread, so a seed fixes the trees.
/// </summary>
public sealed record BoostedTreeSettings
{
    public int Horizon { get; init; } = CriticEvaluation.DefaultHorizon;
    public required float GammaRisk { get; init; }
    public int Leaves { get; init; } = 31;
    public int Iterations { get; init; } = 200;
    public double LearningRate { get; init; } = 0.1;
    public int MinimumRowsPerLeaf { get; init; } = 20;
    public int Seed { get; init; }
}

/// <summary>The reference's held-out scores, defined as the critics' are (see <see cref="CriticEvaluation"/>).</summary>
public sealed record BoostedTreeScores(int TrainingRows, int TrainingPositives, double Auc, double Brier);

/// <summary>
/// What a plain classifier gets from the same logged rows, so a reader sees what a safety critic
/// adds. Two boosted-tree fits on [s ++ a]: a binary classifier of "a violation within the next
/// H logged steps" (its probability is ranked for the AUC, the critics' AUC label) and an L2
/// regression on the realised discounted violation gamma_risk^k (the critics' Brier target),
/// because a probability of "within H" is not an estimate of gamma^k and would be scored unfairly.
/// Neither fit bootstraps or sees a policy: both only read what followed each row in its episode.
/// </summary>
public sealed class BoostedTreeReference
{
    private readonly MLContext _ml;
    private readonly ITransformer _classifier;
    private readonly ITransformer _regressor;
    private readonly int _obsDim, _actDim;

    private BoostedTreeReference(MLContext ml, ITransformer classifier, ITransformer regressor, int obsDim, int actDim, int rows, int positives)
    {
        _ml = ml;
        _classifier = classifier;
        _regressor = regressor;
        _obsDim = obsDim;
        _actDim = actDim;
        TrainingRows = rows;
        TrainingPositives = positives;
    }

    public int TrainingRows { get; }
    public int TrainingPositives { get; }

    public static BoostedTreeReference Train(TransitionBatch rows, BoostedTreeSettings settings, CancellationToken ct = default)
    {
        if (rows.Count == 0) throw new BadInputException("no transitions to train the boosted-tree reference on");
        var outcomes = ViolationOutcomes.Compute(rows, settings.Horizon, settings.GammaRisk);
        int positives = outcomes.WithinHorizon.Count(b => b);
        if (positives == 0 || positives == rows.Count)
            throw new BadInputException($"the boosted-tree reference needs rows with and without a violation within {settings.Horizon} steps; got {positives} of {rows.Count}");
        ct.ThrowIfCancellationRequested();

        var ml = new MLContext(settings.Seed);
        var view = View(ml, rows, outcomes);
        var classifier = ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
        {
            LabelColumnName = nameof(Row.Label),
            FeatureColumnName = nameof(Row.Features),
            NumberOfLeaves = settings.Leaves,
            NumberOfIterations = settings.Iterations,
            LearningRate = settings.LearningRate,
            MinimumExampleCountPerLeaf = settings.MinimumRowsPerLeaf,
            NumberOfThreads = 1,
            Seed = settings.Seed,
            Silent = true,
        }).Fit(view);
        ct.ThrowIfCancellationRequested();
        var regressor = ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
        {
            LabelColumnName = nameof(Row.Discounted),
            FeatureColumnName = nameof(Row.Features),
            NumberOfLeaves = settings.Leaves,
            NumberOfIterations = settings.Iterations,
            LearningRate = settings.LearningRate,
            MinimumExampleCountPerLeaf = settings.MinimumRowsPerLeaf,
            NumberOfThreads = 1,
            Seed = settings.Seed,
            Silent = true,
        }).Fit(view);
        return new BoostedTreeReference(ml, classifier, regressor, rows.ObsDim, rows.ActDim, rows.Count, positives);
    }

    /// <summary>
    /// Per row of <paramref name="data"/>: the classifier's probability of a violation within H
    /// steps, and the regression's discounted violation clipped to [0, 1].
    /// </summary>
    public (float[] WithinHorizon, float[] Discounted) Predict(TransitionBatch data)
    {
        if (data.ObsDim != _obsDim || data.ActDim != _actDim)
            throw new BadInputException($"data has obs/action dims ({data.ObsDim},{data.ActDim}) but the reference was trained on ({_obsDim},{_actDim})");
        var view = View(_ml, data, null);
        var probability = _classifier.Transform(view).GetColumn<float>("Probability").ToArray();
        var discounted = _regressor.Transform(view).GetColumn<float>("Score").Select(v => Math.Clamp(v, 0f, 1f)).ToArray();
        return (probability, discounted);
    }

    /// <summary>AUC of the classifier on "violation within H" and Brier of the regression on gamma_risk^k, on held-out rows.</summary>
    public BoostedTreeScores Evaluate(TransitionBatch heldOut, BoostedTreeSettings settings)
    {
        if (heldOut.Count == 0) throw new BadInputException("no held-out transitions to evaluate on");
        var outcomes = ViolationOutcomes.Compute(heldOut, settings.Horizon, settings.GammaRisk);
        var (within, discounted) = Predict(heldOut);
        return new BoostedTreeScores(TrainingRows, TrainingPositives,
            RiskMetrics.RocAuc(within, outcomes.WithinHorizon), RiskMetrics.Brier(discounted, outcomes.Discounted));
    }

    private static IDataView View(MLContext ml, TransitionBatch batch, ViolationOutcomes? outcomes)
    {
        int od = batch.ObsDim, ad = batch.ActDim, n = batch.Count;
        var obs = batch.Obs;
        var action = batch.Action;
        var rows = new Row[n];
        for (int i = 0; i < n; i++)
        {
            var features = new float[od + ad];
            obs.Slice(i * od, od).CopyTo(features);
            action.Slice(i * ad, ad).CopyTo(features.AsSpan(od));
            rows[i] = new Row
            {
                Features = features,
                Label = outcomes?.WithinHorizon[i] ?? false,
                Discounted = outcomes?.Discounted[i] ?? 0f,
            };
        }
        // The feature width is only known at run time, so the schema says it instead of an attribute.
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, od + ad);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
        public float Discounted { get; set; }
    }
}
