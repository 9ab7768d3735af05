using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Meta.Evaluation;

/// <summary>
/// What actually followed each logged transition, read from the rest of its episode:
/// <see cref="WithinHorizon"/> is true when a violation happens in this or one of the next H-1
/// logged steps; <see cref="Discounted"/> is gamma^k for the first violation k steps later
/// (k = 0 when this very transition lands in an unsafe state), 0 when the episode shows none.
/// This is the quantity Q_risk estimates, so it is the Brier target.
/// </summary>
public sealed class ViolationOutcomes
{
    private ViolationOutcomes(bool[] withinHorizon, float[] discounted, int[] stepsToViolation)
    {
        WithinHorizon = withinHorizon;
        Discounted = discounted;
        StepsToViolation = stepsToViolation;
    }

    public bool[] WithinHorizon { get; }
    public float[] Discounted { get; }

    /// <summary>k for the first violation at or after the row within its episode; -1 when none.</summary>
    public int[] StepsToViolation { get; }

    /// <summary>
    /// Rows are grouped by (variant, episode id) and ordered by step, whatever order the batch holds
    /// them in. A gap in the step numbers ends the chain: the logs do not say what happened in between.
    /// </summary>
    public static ViolationOutcomes Compute(TransitionBatch batch, int horizon, float gammaRisk)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizon);
        int n = batch.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var variant = batch.Variant;
        var episode = batch.EpisodeId;
        var step = batch.Step;
        var variants = variant.ToArray();
        var episodes = episode.ToArray();
        var steps = step.ToArray();
        Array.Sort(order, (a, b) =>
        {
            int c = string.CompareOrdinal(variants[a], variants[b]);
            if (c != 0) return c;
            c = episodes[a].CompareTo(episodes[b]);
            return c != 0 ? c : steps[a].CompareTo(steps[b]);
        });

        var unsafeFlags = batch.Unsafe;
        var toViolation = new int[n];
        // Walk each episode backwards so "steps to the next violation" is one pass.
        int next = -1;
        for (int k = n - 1; k >= 0; k--)
        {
            int row = order[k];
            bool continues = k + 1 < n && SameChain(order[k + 1], row, variants, episodes, steps);
            int fromNext = continues && next >= 0 ? next + 1 : -1;
            int here = unsafeFlags[row] ? 0 : fromNext;
            toViolation[row] = here;
            next = here;
        }

        var within = new bool[n];
        var discounted = new float[n];
        for (int i = 0; i < n; i++)
        {
            int k = toViolation[i];
            within[i] = k >= 0 && k < horizon;
            discounted[i] = k >= 0 ? MathF.Pow(gammaRisk, k) : 0f;
        }
        return new ViolationOutcomes(within, discounted, toViolation);
    }

    private static bool SameChain(int later, int earlier, string[] variants, long[] episodes, int[] steps) =>
        episodes[later] == episodes[earlier] && steps[later] == steps[earlier] + 1
        && string.Equals(variants[later], variants[earlier], StringComparison.Ordinal);
}
