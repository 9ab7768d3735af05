using OfflineSafety.Errors;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Evaluation;

/// <summary>Held-out scores of a critic on one set of logged transitions.</summary>
public sealed record CriticReport(
    int Rows,
    int Positives,
    int Horizon,
    double Auc,
    double Brier,
    double BellmanResidual,
    IReadOnlyList<CalibrationBin> Calibration);

/// <summary>
/// Offline evaluation of a safety critic on logged data it was not trained on:
/// ROC-AUC for "a violation within the next H logged steps", Brier score against the realised
/// discounted violation gamma_risk^k, a decile calibration table, and the mean squared Bellman
/// residual (Q(s,a) - y)^2 with y built from the critic itself and a' from the uniform policy,
/// averaged over a few a' draws so the figure does not hinge on one random action.
/// </summary>
public static class CriticEvaluation
{
    public const int DefaultHorizon = 5;
    private const int BellmanActionDraws = 8;
    private const int Chunk = 4096;

    public static CriticReport Evaluate(IRiskScorer critic, TransitionBatch data, float gammaRisk, int horizon = DefaultHorizon,
        int seed = 0, CancellationToken cancellationToken = default)
    {
        if (data.Count == 0) throw new BadInputException("no held-out transitions to evaluate on");
        if (data.ObsDim != critic.ObsDim || data.ActDim != critic.ActDim)
            throw new BadInputException($"data has obs/action dims ({data.ObsDim},{data.ActDim}) but the critic expects ({critic.ObsDim},{critic.ActDim})");
        int n = data.Count;
        var outcomes = ViolationOutcomes.Compute(data, horizon, gammaRisk);
        var risk = new float[n];
        ScoreAll(critic, data.Obs, data.Action, n, risk, cancellationToken);

        double residual = BellmanResidual(critic, data, risk, gammaRisk, seed, cancellationToken);
        int positives = outcomes.WithinHorizon.Count(b => b);
        return new CriticReport(n, positives, horizon,
            RiskMetrics.RocAuc(risk, outcomes.WithinHorizon),
            RiskMetrics.Brier(risk, outcomes.Discounted),
            residual,
            RiskMetrics.CalibrationDeciles(risk, outcomes.Discounted, outcomes.WithinHorizon));
    }

    private static double BellmanResidual(IRiskScorer critic, TransitionBatch data, float[] risk, float gammaRisk, int seed, CancellationToken ct)
    {
        int n = data.Count, ad = data.ActDim;
        var random = new Xoshiro256StarStar((ulong)seed);
        var box = critic.Normalization;
        var nextAction = new float[n * ad];
        var nextRisk = new float[n];
        var expectedNext = new double[n];
        for (int draw = 0; draw < BellmanActionDraws; draw++)
        {
            for (int i = 0; i < n * ad; i++)
            {
                int d = i % ad;
                nextAction[i] = box.ActionLow[d] + (box.ActionHigh[d] - box.ActionLow[d]) * random.NextFloat();
            }
            ScoreAll(critic, data.NextObs, nextAction, n, nextRisk, ct);
            for (int i = 0; i < n; i++) expectedNext[i] += nextRisk[i] / (double)BellmanActionDraws;
        }
        double sum = 0;
        var unsafeFlags = data.Unsafe;
        var terminal = data.Terminal;
        for (int i = 0; i < n; i++)
        {
            float y = RiskTarget.Of(unsafeFlags[i] ? 1f : 0f, terminal[i] ? 1f : 0f, gammaRisk, (float)expectedNext[i]);
            double d = risk[i] - y;
            sum += d * d;
        }
        return sum / n;
    }

    private static void ScoreAll(IRiskScorer critic, ReadOnlySpan<float> obs, ReadOnlySpan<float> action, int n, Span<float> risk, CancellationToken ct)
    {
        int od = critic.ObsDim, ad = critic.ActDim;
        for (int start = 0; start < n; start += Chunk)
        {
            ct.ThrowIfCancellationRequested();
            int rows = Math.Min(Chunk, n - start);
            critic.Score(obs.Slice(start * od, rows * od), action.Slice(start * ad, rows * ad), rows, risk.Slice(start, rows));
        }
    }
}
