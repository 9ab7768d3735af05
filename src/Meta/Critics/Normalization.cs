using OfflineSafety.Errors;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Meta.Critics;

/// <summary>The action bounds a dataset declares (its metadata), per dimension.</summary>
public sealed record ActionBox(IReadOnlyList<float> Low, IReadOnlyList<float> High);

/// <summary>
/// Per-dimension affine maps applied to observations and actions before the network sees them,
/// recorded with the model so a served critic scores raw inputs exactly as it was trained.
/// The action box (logged minimum and maximum per dimension) is what the offline uniform-random
/// target policy samples from.
/// </summary>
public sealed record Normalization(float[] ObsMean, float[] ObsStd, float[] ActionMean, float[] ActionStd, float[] ActionLow, float[] ActionHigh)
{
    // A constant input dimension (e.g. an unused coordinate) would otherwise divide by zero.
    private const float MinStd = 1e-3f;

    public int ObsDim => ObsMean.Length;
    public int ActDim => ActionMean.Length;

    public static Normalization Identity(int obsDim, int actDim) => new(
        new float[obsDim], Fill(obsDim, 1f), new float[actDim], Fill(actDim, 1f), Fill(actDim, -1f), Fill(actDim, 1f));

    /// <summary>
    /// Mean and standard deviation over the given rows (all rows when null). The action box is the
    /// declared one when the dataset states it, else the logged minimum and maximum.
    /// </summary>
    public static Normalization Fit(TransitionBatch batch, IReadOnlyList<int>? rows = null, ActionBox? declaredBox = null)
    {
        int n = rows?.Count ?? batch.Count;
        if (n == 0) throw new BadInputException("cannot fit a normalisation to zero transitions");
        var (obsMean, obsStd) = Moments(batch.Obs, batch.ObsDim, rows, n);
        var (actMean, actStd) = Moments(batch.Action, batch.ActDim, rows, n);
        var low = Fill(batch.ActDim, float.PositiveInfinity);
        var high = Fill(batch.ActDim, float.NegativeInfinity);
        var action = batch.Action;
        for (int k = 0; k < n; k++)
        {
            int r = rows?[k] ?? k;
            for (int d = 0; d < batch.ActDim; d++)
            {
                float v = action[r * batch.ActDim + d];
                if (v < low[d]) low[d] = v;
                if (v > high[d]) high[d] = v;
            }
        }
        if (declaredBox is not null)
        {
            if (declaredBox.Low.Count != batch.ActDim || declaredBox.High.Count != batch.ActDim)
                throw new BadInputException($"declared action box has {declaredBox.Low.Count}/{declaredBox.High.Count} bounds for {batch.ActDim} action dimensions");
            low = [.. declaredBox.Low];
            high = [.. declaredBox.High];
        }
        return new Normalization(obsMean, obsStd, actMean, actStd, low, high);
    }

    public void NormalizeObs(ReadOnlySpan<float> raw, Span<float> into)
    {
        for (int d = 0; d < ObsMean.Length; d++) into[d] = (raw[d] - ObsMean[d]) / ObsStd[d];
    }

    public void NormalizeAction(ReadOnlySpan<float> raw, Span<float> into)
    {
        for (int d = 0; d < ActionMean.Length; d++) into[d] = (raw[d] - ActionMean[d]) / ActionStd[d];
    }

    public void DenormalizeAction(ReadOnlySpan<float> normalized, Span<float> into)
    {
        for (int d = 0; d < ActionMean.Length; d++) into[d] = normalized[d] * ActionStd[d] + ActionMean[d];
    }

    private static (float[] Mean, float[] Std) Moments(ReadOnlySpan<float> values, int dim, IReadOnlyList<int>? rows, int n)
    {
        var sum = new double[dim];
        var sumSq = new double[dim];
        for (int k = 0; k < n; k++)
        {
            int r = rows?[k] ?? k;
            for (int d = 0; d < dim; d++)
            {
                double v = values[r * dim + d];
                sum[d] += v;
                sumSq[d] += v * v;
            }
        }
        var mean = new float[dim];
        var std = new float[dim];
        for (int d = 0; d < dim; d++)
        {
            double m = sum[d] / n;
            mean[d] = (float)m;
            std[d] = MathF.Max(MinStd, (float)Math.Sqrt(Math.Max(0, sumSq[d] / n - m * m)));
        }
        return (mean, std);
    }

    private static float[] Fill(int n, float v)
    {
        var a = new float[n];
        Array.Fill(a, v);
        return a;
    }
}
