using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Meta.Safer;

/// <summary>
/// Turns transition rows into a prior's training examples (SAFER section 5.1): every row's state,
/// action and the window of its episode's last w states ending with it (zero-padded in front while
/// the episode is young), split by label. Unsafe: rows with unsafe = true. Safe: the other rows,
/// only those of successful episodes when asked (the paper's "safe and successful" data). An episode
/// succeeded when it ends on a terminal row that is not a violation (success is what ends an
/// extraction or navigation episode when violations do not). Rows may come in any order: episodes
/// are rebuilt from (episode_id, step).
/// </summary>
public static class EpisodeWindows
{
    public static (PriorExamples Safe, PriorExamples Unsafe) Split(TransitionBatch rows, int windowLength, bool successfulEpisodesOnly)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowLength, 1);
        int n = rows.Count, s = rows.ObsDim, a = rows.ActDim;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var episodes = rows.EpisodeId.ToArray();
        var steps = rows.Step.ToArray();
        Array.Sort(order, (x, y) => episodes[x] != episodes[y] ? episodes[x].CompareTo(episodes[y]) : steps[x] != steps[y] ? steps[x].CompareTo(steps[y]) : x.CompareTo(y));

        var safe = new Builder(s, a, windowLength);
        var unsafeRows = new Builder(s, a, windowLength);
        var obs = rows.Obs;
        var action = rows.Action;
        var isUnsafe = rows.Unsafe;
        var terminal = rows.Terminal;
        for (int start = 0; start < n;)
        {
            int end = start;
            while (end < n && episodes[order[end]] == episodes[order[start]]) end++;
            int last = order[end - 1];
            bool succeeded = terminal[last] && !isUnsafe[last];
            for (int k = start; k < end; k++)
            {
                int row = order[k];
                var target = isUnsafe[row] ? unsafeRows : (!successfulEpisodesOnly || succeeded ? safe : null);
                if (target is null) continue;
                int filled = Math.Min(k - start + 1, windowLength);
                target.Begin(obs.Slice(row * s, s), action.Slice(row * a, a), filled);
                for (int t = k - filled + 1; t <= k; t++) target.AddWindowState(obs.Slice(order[t] * s, s));
            }
            start = end;
        }
        return (safe.Build(), unsafeRows.Build());
    }

    private sealed class Builder(int stateSize, int actionSize, int windowLength)
    {
        private readonly List<float> _states = [];
        private readonly List<float> _actions = [];
        private readonly List<float> _windows = [];
        private readonly List<int> _filled = [];

        /// <summary>Starts an example: its state, action and the zero padding of its window; the real window states follow, oldest first.</summary>
        public void Begin(ReadOnlySpan<float> state, ReadOnlySpan<float> action, int filled)
        {
            foreach (var v in state) _states.Add(v);
            foreach (var v in action) _actions.Add(v);
            for (int i = 0; i < (windowLength - filled) * stateSize; i++) _windows.Add(0f);
            _filled.Add(filled);
        }

        public void AddWindowState(ReadOnlySpan<float> state)
        {
            foreach (var v in state) _windows.Add(v);
        }

        public PriorExamples Build() => new(stateSize, actionSize, windowLength, [.. _states], [.. _actions], [.. _windows], [.. _filled]);
    }
}
