namespace OfflineSafety.Ingest.Datasets;

/// <summary>Accumulates one <see cref="GroupSummary"/>: rows, distinct episodes and unsafe rows.</summary>
internal sealed class GroupCounter
{
    private readonly HashSet<(string Variant, string Source, long EpisodeId)> _episodes = [];
    private long _rows, _unsafe;

    public void Add((string Variant, string Source, long EpisodeId) episode, bool isUnsafe)
    {
        _rows++;
        if (isUnsafe) _unsafe++;
        _episodes.Add(episode);
    }

    public GroupSummary ToSummary(string key) => new(key, _rows, _episodes.Count, _unsafe);

    /// <summary>The counter for <paramref name="key"/>, created on first use.</summary>
    public static GroupCounter For(SortedDictionary<string, GroupCounter> groups, string key)
    {
        if (!groups.TryGetValue(key, out var c)) groups[key] = c = new GroupCounter();
        return c;
    }
}
