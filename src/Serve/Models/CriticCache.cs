using System.Collections.Concurrent;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Serve.Http;

namespace OfflineSafety.Serve.Models;

/// <summary>
/// Loaded critics by NAME@V, at most <see cref="ServeSettings.CachedModels"/> of them (least
/// recently used leave first), so evaluate and filter never read the store on a hit. A critic
/// scores with internal buffers, so each entry lends out clones, one per concurrent caller.
/// "NAME" resolves to its latest version for <see cref="ServeSettings.LatestVersionTtl"/>.
/// </summary>
public sealed class CriticCache(ModelRegistry registry, ServeSettings settings, ServiceMetrics metrics)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<Entry>>> _loading = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (ModelReference Resolved, DateTimeOffset Until)> _latest = new(StringComparer.Ordinal);

    public async Task<Entry> GetAsync(ModelReference reference, CancellationToken ct)
    {
        var now = settings.Time.GetUtcNow();
        if (reference.Version is null)
        {
            if (_latest.TryGetValue(reference.Name, out var known) && known.Until > now) reference = known.Resolved;
            else
            {
                var card = await registry.ResolveAsync(reference, ct).ConfigureAwait(false);
                var resolved = new ModelReference(card.Name, card.Version);
                _latest[reference.Name] = (resolved, now + settings.LatestVersionTtl);
                reference = resolved;
            }
        }
        string key = reference.ToString();
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var hit))
            {
                hit.LastUsed = now;
                metrics.CacheHit("critic");
                return hit;
            }
        }
        var lazy = _loading.GetOrAdd(key, k => new Lazy<Task<Entry>>(() => LoadAsync(reference, k)));
        try
        {
            return await lazy.Value.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompleted) _loading.TryRemove(new KeyValuePair<string, Lazy<Task<Entry>>>(key, lazy));
        }
    }

    private async Task<Entry> LoadAsync(ModelReference reference, string key)
    {
        // Not the caller's token: other callers wait on the same load.
        var stored = await registry.LoadAsync(reference, CancellationToken.None).ConfigureAwait(false);
        metrics.CriticLoaded();
        var entry = new Entry(stored) { LastUsed = settings.Time.GetUtcNow() };
        lock (_gate)
        {
            _entries[key] = entry;
            while (_entries.Count > settings.CachedModels)
                _entries.Remove(_entries.MinBy(e => e.Value.LastUsed).Key);
        }
        return entry;
    }

    public sealed class Entry(StoredModel model)
    {
        // Concurrent requests are the parallelism; a split kernel would block pool threads on each other.
        private static readonly ComputeOptions SingleThread = new() { Threads = 1 };

        private readonly ConcurrentBag<SafetyCritic> _idle = [];

        public StoredModel Model => model;
        public DateTimeOffset LastUsed { get; set; }

        public void Score(ReadOnlySpan<float> obs, ReadOnlySpan<float> action, int rows, Span<float> risk)
        {
            var critic = _idle.TryTake(out var c) ? c : model.Critic.Clone(SingleThread);
            try { critic.Score(obs, action, rows, risk); }
            finally { _idle.Add(critic); }
        }
    }
}
