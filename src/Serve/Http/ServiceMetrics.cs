using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime;
using System.Text;

namespace OfflineSafety.Serve.Http;

/// <summary>
/// The counters /metrics reports in the Prometheus text format: requests by route and status,
/// latency histograms by route, adaptations run, and cache hits. Lock-free increments; one instance per app.
/// </summary>
public sealed class ServiceMetrics
{
    private static readonly double[] Buckets = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly ConcurrentDictionary<(string Method, string Route, int Status), Counter> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _latency = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> _cacheHits = new(StringComparer.Ordinal);
    private readonly Counter _adaptations = new();
    private readonly Counter _criticLoads = new();

    /// <summary>Adaptations actually run (not answered from a stored one).</summary>
    public long Adaptations => _adaptations.Value;

    public void Request(string method, string route, int status, TimeSpan elapsed)
    {
        _requests.GetOrAdd((method, route, status), _ => new Counter()).Increment();
        _latency.GetOrAdd(route, _ => new Histogram()).Observe(elapsed.TotalSeconds);
    }

    public void AdaptationRun() => _adaptations.Increment();

    public void CriticLoaded() => _criticLoads.Increment();

    /// <param name="cache">adaptation_memory, adaptation_registry, adaptation_inflight, critic</param>
    public void CacheHit(string cache) => _cacheHits.GetOrAdd(cache, _ => new Counter()).Increment();

    public string ToPrometheusText()
    {
        var s = new StringBuilder();
        Header(s, "offsafe_http_requests_total", "counter", "HTTP requests answered, by method, route and status.");
        foreach (var ((method, route, status), c) in _requests.OrderBy(k => k.Key.Route, StringComparer.Ordinal).ThenBy(k => k.Key.Method).ThenBy(k => k.Key.Status))
            s.Append(CultureInfo.InvariantCulture, $"offsafe_http_requests_total{{method=\"{method}\",route=\"{Escape(route)}\",status=\"{status}\"}} {c.Value}\n");

        Header(s, "offsafe_http_request_duration_seconds", "histogram", "Time from request start to handler end, by route.");
        foreach (var (route, h) in _latency.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            var (counts, sum, count) = h.Read();
            long cumulative = 0;
            for (int i = 0; i < Buckets.Length; i++)
            {
                cumulative += counts[i];
                s.Append(CultureInfo.InvariantCulture, $"offsafe_http_request_duration_seconds_bucket{{route=\"{Escape(route)}\",le=\"{Buckets[i]}\"}} {cumulative}\n");
            }
            s.Append(CultureInfo.InvariantCulture, $"offsafe_http_request_duration_seconds_bucket{{route=\"{Escape(route)}\",le=\"+Inf\"}} {count}\n");
            s.Append(CultureInfo.InvariantCulture, $"offsafe_http_request_duration_seconds_sum{{route=\"{Escape(route)}\"}} {sum}\n");
            s.Append(CultureInfo.InvariantCulture, $"offsafe_http_request_duration_seconds_count{{route=\"{Escape(route)}\"}} {count}\n");
        }

        Single(s, "offsafe_adaptations_total", "counter", "Adaptations run (identical requests answered from a stored adaptation are not counted).", _adaptations.Value);
        Single(s, "offsafe_critic_loads_total", "counter", "Critics read from the store into the in-memory cache.", _criticLoads.Value);
        Header(s, "offsafe_cache_hits_total", "counter", "Requests answered from a cache, by cache.");
        foreach (var (cache, c) in _cacheHits.OrderBy(k => k.Key, StringComparer.Ordinal))
            s.Append(CultureInfo.InvariantCulture, $"offsafe_cache_hits_total{{cache=\"{cache}\"}} {c.Value}\n");
        AppendRuntime(s);
        return s.ToString();
    }

    /// <summary>
    /// The garbage collector's side of latency: which collector runs, bytes allocated, collections by
    /// generation and the time the process spent paused in them (a pause stops every request in flight).
    /// </summary>
    private static void AppendRuntime(StringBuilder s)
    {
        Header(s, "offsafe_gc_info", "gauge", "The garbage collector in use (server or workstation, and its latency mode).");
        s.Append(CultureInfo.InvariantCulture, $"offsafe_gc_info{{mode=\"{(GCSettings.IsServerGC ? "server" : "workstation")}\",latency_mode=\"{GCSettings.LatencyMode}\"}} 1\n");
        Single(s, "offsafe_gc_allocated_bytes_total", "counter", "Bytes allocated on the managed heap since the process started.", GC.GetTotalAllocatedBytes());
        Header(s, "offsafe_gc_collections_total", "counter", "Garbage collections, by generation.");
        for (int g = 0; g <= GC.MaxGeneration; g++)
            s.Append(CultureInfo.InvariantCulture, $"offsafe_gc_collections_total{{generation=\"{g}\"}} {GC.CollectionCount(g)}\n");
        Single(s, "offsafe_gc_pause_seconds_total", "counter", "Time the process was paused for garbage collections.", GC.GetTotalPauseDuration().TotalSeconds);
        // More worker threads than cores means requests time-slice against each other inside the process.
        Single(s, "offsafe_threadpool_threads", "gauge", "Thread-pool worker threads now.", ThreadPool.ThreadCount);
        Single(s, "offsafe_threadpool_queue_length", "gauge", "Work items waiting for a thread-pool thread now.", ThreadPool.PendingWorkItemCount);
        Single(s, "offsafe_threadpool_completed_items_total", "counter", "Work items the thread pool has run.", ThreadPool.CompletedWorkItemCount);
    }

    private static void Header(StringBuilder s, string name, string type, string help) =>
        s.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");

    /// <summary>A metric without labels: its HELP and TYPE lines and its one sample.</summary>
    private static void Single<T>(StringBuilder s, string name, string type, string help, T value) where T : ISpanFormattable
    {
        Header(s, name, type, help);
        s.Append(CultureInfo.InvariantCulture, $"{name} {value}\n");
    }

    private static string Escape(string label) => label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private sealed class Counter
    {
        private long _value;
        public long Value => Interlocked.Read(ref _value);
        public void Increment() => Interlocked.Increment(ref _value);
    }

    private sealed class Histogram
    {
        private readonly long[] _counts = new long[Buckets.Length];
        private long _count;
        private long _sumNanos;

        public void Observe(double seconds)
        {
            // A loop, not FindIndex with a lambda: this runs on every request.
            for (int i = 0; i < Buckets.Length; i++)
            {
                if (seconds > Buckets[i]) continue;
                Interlocked.Increment(ref _counts[i]);
                break;
            }
            Interlocked.Increment(ref _count);
            Interlocked.Add(ref _sumNanos, (long)(seconds * 1e9));
        }

        public (long[] Counts, double Sum, long Count) Read() =>
            (_counts.Select(c => Interlocked.Read(ref c)).ToArray(), Interlocked.Read(ref _sumNanos) / 1e9, Interlocked.Read(ref _count));
    }
}
