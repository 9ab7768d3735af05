using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OfflineSafety.Bench.Serve;

/// <summary>What the service load run measured; latencies in milliseconds.</summary>
public sealed record ServeLoadFigures(
    int Clients, int Requests, double Seconds, double RequestsPerSecond,
    double ClientP50, double ClientP99, double ServerP50, double ServerP99,
    double AdaptServerMs, double CachedAdaptServerMs, int AdaptSteps, int AdaptRows)
{
    /// <summary>The server's garbage collection during the evaluate load, from /metrics (NaN / "" for a build without the gc metrics).</summary>
    public GcFigures Gc { get; init; } = GcFigures.Unknown;

    /// <summary>The load generator's nice value during the load (0: the same priority as the server); null where it could not be applied.</summary>
    public int? GeneratorNice { get; init; }

    /// <summary>The server's thread-pool worker threads right after the load (NaN for a build without the metric).</summary>
    public double ServerPoolThreads { get; init; } = double.NaN;
}

/// <summary>The collector in use, bytes allocated per evaluate request, collections by generation and the total pause, over the load.</summary>
public sealed record GcFigures(string Mode, double AllocatedBytesPerRequest, long Gen0, long Gen1, long Gen2, double PauseMs)
{
    public static readonly GcFigures Unknown = new("", double.NaN, 0, 0, 0, double.NaN);
}

/// <summary>
/// A loopback load generator against a real `offsafe serve` process (bench may not reference the
/// service): it uploads the sample accident log, meta-trains a critic with the CLI, then runs
/// evaluate (100 pairs a call) from concurrent clients for a bounded count and time, and one
/// adaptation (and its cached repeat) on inline rows. Server time is the Server-Timing header.
/// </summary>
public static class ServeLoadBench
{
    public static async Task<ServeLoadFigures> RunAsync(string offsafeDll, string repository, string folder, int clients, int requestsPerClient,
        TimeSpan limit, int adaptSteps, int generatorNice, CancellationToken ct)
    {
        int port = FreePort();
        string store = Path.Combine(folder, "store");
        using var server = Process.Start(new ProcessStartInfo("dotnet", [offsafeDll, "serve", "--urls", $"http://127.0.0.1:{port}", "--store", store])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        })!;
        server.ErrorDataReceived += (_, _) => { };
        server.BeginErrorReadLine();
        server.BeginOutputReadLine();
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitReadyAsync(http, ct);
            string samples = Path.Combine(repository, "datasets", "navigation1-accidents");
            await UploadAsync(http, Path.Combine(samples, "accidents.csv"), "text/csv", "env=navigation1&variant=a", ct);
            await UploadAsync(http, Path.Combine(samples, "accidents.jsonl"), "application/x-ndjson", "variant=b", ct);
            var train = Process.Start(new ProcessStartInfo("dotnet", [offsafeDll, "meta-train", "--dataset", "nav", "--algo", "multitask", "--model", "nav-base", "--steps", "20", "--store", store])
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            string trainErr = await train.StandardError.ReadToEndAsync(ct);
            await train.WaitForExitAsync(ct);
            if (train.ExitCode != 0) throw new InvalidOperationException($"meta-train failed: {trainErr}");

            var random = new Random(1);
            var body = JsonContent.Create(new
            {
                obs = Enumerable.Range(0, 100).Select(_ => new[] { random.NextSingle() * 200 - 100, random.NextSingle() * 20 - 10 }).ToArray(),
                action = Enumerable.Range(0, 100).Select(_ => new[] { random.NextSingle() * 2 - 1, random.NextSingle() * 2 - 1 }).ToArray(),
            });
            byte[] payload = await body.ReadAsByteArrayAsync(ct);
            for (int i = 0; i < 50; i++) await EvaluateAsync(http, payload, ct); // warm-up: JIT, critic cache, connections

            bool niced = GeneratorPriority.Lower(generatorNice);
            string before = await http.GetStringAsync("/metrics", ct);
            var client = new List<double>();
            var serverSide = new List<double>();
            var deadline = Stopwatch.StartNew();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
            {
                var mine = new List<(double, double)>();
                for (int i = 0; i < requestsPerClient && deadline.Elapsed < limit; i++) mine.Add(await EvaluateAsync(http, payload, ct));
                lock (client) foreach (var (c, s) in mine) { client.Add(c); serverSide.Add(s); }
            }));
            double seconds = clock.Elapsed.TotalSeconds;
            string after = await http.GetStringAsync("/metrics", ct);
            var gc = GcOver(before, after, client.Count);

            var rows = AdaptRows(Path.Combine(samples, "accidents.jsonl"), 200);
            var adaptBody = new { transitions = rows, steps = adaptSteps, seed = 1, model = "nav-bench" };
            double adaptMs = await AdaptAsync(http, adaptBody, HttpStatusCode.Created, ct);
            // The first repeat also pays for JIT of the repeat path; the figure is the median of 21.
            var repeats = new List<double>();
            for (int i = 0; i < 21; i++) repeats.Add(await AdaptAsync(http, adaptBody, HttpStatusCode.OK, ct));
            double cachedMs = Percentile(repeats, 0.5);
            return new ServeLoadFigures(clients, client.Count, seconds, client.Count / seconds,
                Percentile(client, 0.5), Percentile(client, 0.99), Percentile(serverSide, 0.5), Percentile(serverSide, 0.99),
                adaptMs, cachedMs, adaptSteps, rows.Length) { Gc = gc, GeneratorNice = niced ? generatorNice : null, ServerPoolThreads = Metric(after, "offsafe_threadpool_threads") };
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>The gc metrics' change over the load (the /metrics reads themselves allocate a little; two reads against thousands of requests).</summary>
    private static GcFigures GcOver(string before, string after, int requests)
    {
        double Delta(string name) => Metric(after, name) - Metric(before, name);
        if (double.IsNaN(Metric(after, "offsafe_gc_allocated_bytes_total"))) return GcFigures.Unknown;
        string info = after.Split('\n').First(l => l.StartsWith("offsafe_gc_info{", StringComparison.Ordinal));
        string mode = info[(info.IndexOf('{') + 1)..info.IndexOf('}')].Replace("\"", "", StringComparison.Ordinal);
        return new GcFigures(mode, Delta("offsafe_gc_allocated_bytes_total") / requests,
            (long)Delta("offsafe_gc_collections_total{generation=\"0\"}"), (long)Delta("offsafe_gc_collections_total{generation=\"1\"}"),
            (long)Delta("offsafe_gc_collections_total{generation=\"2\"}"), Delta("offsafe_gc_pause_seconds_total") * 1000);
    }

    private static double Metric(string text, string name)
    {
        foreach (string line in text.Split('\n'))
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
                return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
        return double.NaN;
    }

    private static async Task<(double Client, double Server)> EvaluateAsync(HttpClient http, byte[] payload, CancellationToken ct)
    {
        var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new("application/json");
        long start = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync("/v1/models/nav-base/evaluate", content, ct);
        await response.Content.ReadAsByteArrayAsync(ct);
        double clientMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        response.EnsureSuccessStatusCode();
        return (clientMs, ServerMs(response));
    }

    private static double ServerMs(HttpResponseMessage response)
    {
        string timing = response.Headers.GetValues("Server-Timing").First();
        return double.Parse(timing[(timing.IndexOf("dur=", StringComparison.Ordinal) + 4)..], CultureInfo.InvariantCulture);
    }

    private static async Task<double> AdaptAsync(HttpClient http, object body, HttpStatusCode expected, CancellationToken ct)
    {
        using var response = await http.PostAsync("/v1/models/nav-base/adapt", JsonContent.Create(body), ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != expected) throw new InvalidOperationException($"adapt answered {(int)response.StatusCode}, expected {(int)expected}: {text}");
        return ServerMs(response);
    }

    /// <summary>The sample log's rows, repeated with fresh episode ids, up to <paramref name="count"/>.</summary>
    private static JsonNode[] AdaptRows(string jsonl, int count)
    {
        var lines = File.ReadAllLines(jsonl);
        var rows = new List<JsonNode>();
        for (int copy = 0; rows.Count < count; copy++)
            foreach (var line in lines)
            {
                if (rows.Count == count) break;
                var row = JsonNode.Parse(line)!;
                row["episode_id"] = row["episode_id"]!.GetValue<long>() + 1000 * copy;
                rows.Add(row);
            }
        return [.. rows];
    }

    private static async Task UploadAsync(HttpClient http, string path, string type, string query, CancellationToken ct)
    {
        var content = new ByteArrayContent(await File.ReadAllBytesAsync(path, ct));
        content.Headers.ContentType = new(type);
        using var response = await http.PostAsync($"/v1/datasets/nav/uploads?{query}", content, ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"upload failed: {await response.Content.ReadAsStringAsync(ct)}");
    }

    private static async Task WaitReadyAsync(HttpClient http, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var r = await http.GetAsync("/readyz", ct);
                if (r.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) when (waited.Elapsed < TimeSpan.FromSeconds(60))
            {
            }
            await Task.Delay(200, ct);
        }
    }

    private static double Percentile(List<double> values, double q)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
