using OfflineSafety.Errors;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Meta.Safer;

/// <summary>What a dataset gave a prior fit: the two example sets and the counts behind them.</summary>
public sealed record PriorData(PriorExamples Safe, PriorExamples Unsafe, int Episodes, int SuccessfulEpisodes, int ViolatingEpisodes)
{
    /// <summary>
    /// Splits transition rows into SAFER's safe and unsafe sets, with windows built per episode.
    /// <list type="bullet">
    /// <item>Episodes are the rows sharing (variant, episode_id), ordered by step.</item>
    /// <item>Unsafe data: every row whose own <c>unsafe</c> label is set, i.e. the pair (s, a) whose
    /// action led into a violation: the paper's omega(s, a) = 1, from any episode.</item>
    /// <item>Safe data: every row of an episode with no violation at all that ends in success (its
    /// last row terminal, not truncated, not unsafe): the paper's "safe and successful" data, the
    /// same set for SAFER, PARROT and Context-PARROT. With <paramref name="successfulOnly"/> false,
    /// every violation-free episode counts.</item>
    /// <item>Window of a row: the observations of the last <paramref name="windowLength"/> rows of
    /// its episode up to and including it, zero-padded in front.</item>
    /// </list>
    /// </summary>
    public static PriorData From(TransitionBatch batch, int windowLength, bool successfulOnly, string datasetName)
    {
        int n = batch.Count, s = batch.ObsDim, a = batch.ActDim;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var variants = batch.Variant;
        var episodes = batch.EpisodeId;
        var steps = batch.Step;
        var variantArray = variants.ToArray();
        var episodeArray = episodes.ToArray();
        var stepArray = steps.ToArray();
        Array.Sort(order, (x, y) =>
        {
            int c = string.CompareOrdinal(variantArray[x], variantArray[y]);
            if (c != 0) return c;
            c = episodeArray[x].CompareTo(episodeArray[y]);
            return c != 0 ? c : stepArray[x].CompareTo(stepArray[y]);
        });

        var safeRows = new List<(int Row, int Start)>();
        var unsafeRows = new List<(int Row, int Start)>();
        int episodeCount = 0, successful = 0, violating = 0;
        var unsafeFlags = batch.Unsafe;
        for (int begin = 0; begin < n;)
        {
            int end = begin + 1;
            while (end < n && episodeArray[order[end]] == episodeArray[order[begin]] && variantArray[order[end]] == variantArray[order[begin]]) end++;
            episodeCount++;
            bool anyViolation = false;
            for (int k = begin; k < end; k++) anyViolation |= unsafeFlags[order[k]];
            int last = order[end - 1];
            bool success = batch.Terminal[last] && !batch.Truncated[last] && !unsafeFlags[last];
            if (anyViolation) violating++;
            if (success && !anyViolation) successful++;
            bool safeEpisode = !anyViolation && (success || !successfulOnly);
            for (int k = begin; k < end; k++)
            {
                if (unsafeFlags[order[k]]) unsafeRows.Add((k, begin));
                else if (safeEpisode) safeRows.Add((k, begin));
            }
            begin = end;
        }

        PriorExamples Build(List<(int Position, int Start)> rows)
        {
            int w = windowLength * s;
            var states = new float[rows.Count * s];
            var actions = new float[rows.Count * a];
            var windows = new float[rows.Count * w];
            var filled = new int[rows.Count];
            for (int i = 0; i < rows.Count; i++)
            {
                var (position, start) = rows[i];
                int row = order[position];
                batch.ObsRow(row).CopyTo(states.AsSpan(i * s, s));
                batch.ActionRow(row).CopyTo(actions.AsSpan(i * a, a));
                int count = Math.Min(windowLength, position - start + 1);
                filled[i] = count;
                for (int t = 0; t < count; t++)
                {
                    int source = order[position - count + 1 + t];
                    batch.ObsRow(source).CopyTo(windows.AsSpan(i * w + (windowLength - count + t) * s, s));
                }
            }
            return new PriorExamples(s, a, windowLength, states, actions, windows, filled);
        }

        var data = new PriorData(Build(safeRows), Build(unsafeRows), episodeCount, successful, violating);
        if (data.Unsafe.Count == 0)
            throw new BadInputException($"dataset {datasetName}: no unsafe rows (no row has unsafe = true); a SAFER prior needs examples of violations");
        if (data.Safe.Count == 0)
            throw new BadInputException(successfulOnly
                ? $"dataset {datasetName}: no safe rows (none of its {episodeCount} episodes ends in success without a violation)"
                : $"dataset {datasetName}: no safe rows (every one of its {episodeCount} episodes has a violation)");
        return data;
    }
}
