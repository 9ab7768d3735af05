using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace OfflineSafety.Serve.Client;

/// <summary>
/// The client's HTTP pipeline: the standard resilience handler (rate limit, total and per-attempt
/// timeouts, retry with exponential backoff and jitter, circuit breaker) with its retry narrowed to
/// what is safe to send again. GET is; a POST is only when its request is marked
/// <see cref="RetrySafe"/> (uploads carry an idempotency key; adapt is idempotent by content;
/// evaluate and filter are pure). Transient means connection errors, timeouts, 408, 429 and 5xx.
/// </summary>
internal sealed class ServeHttp : IDisposable
{
    public static readonly HttpRequestOptionsKey<bool> RetrySafe = new("offsafe.retry-safe");
    private const string ClientName = "offsafe-serve";

    private readonly ServiceProvider _services;

    public ServeHttp(ServeClientOptions options)
    {
        var services = new ServiceCollection();
        services.AddSingleton(options.Time);
        services.AddHttpClient(ClientName, http =>
            {
                http.BaseAddress = options.Transport.BaseAddress;
                // The resilience handler's timeouts govern; HttpClient's own 100 s would cut an adaptation short.
                http.Timeout = Timeout.InfiniteTimeSpan;
                foreach (var (name, value) in options.Transport.Headers) http.DefaultRequestHeaders.Add(name, value);
                if (options.ApiKey is { } key) http.DefaultRequestHeaders.Add("X-Api-Key", key);
            })
            .AddStandardResilienceHandler(o =>
            {
                o.AttemptTimeout.Timeout = options.AttemptTimeout;
                o.TotalRequestTimeout.Timeout = options.AttemptTimeout * (options.MaxRetries + 2);
                // The breaker's window must span at least two attempts (the options are validated).
                o.CircuitBreaker.SamplingDuration = options.AttemptTimeout * 2;
                o.Retry.MaxRetryAttempts = Math.Max(1, options.MaxRetries);
                o.Retry.Delay = options.RetryDelay;
                o.Retry.BackoffType = DelayBackoffType.Exponential;
                o.Retry.UseJitter = true;
                o.Retry.ShouldHandle = args => ValueTask.FromResult(
                    args.AttemptNumber < options.MaxRetries
                    && HttpClientResiliencePredicates.IsTransient(args.Outcome)
                    && args.Context.GetRequestMessage() is { } request && MaySendAgain(request));
            });
        _services = services.BuildServiceProvider();
        Client = _services.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName);
    }

    public HttpClient Client { get; }

    private static bool MaySendAgain(HttpRequestMessage request) =>
        request.Method == HttpMethod.Get || request.Method == HttpMethod.Head
        || request.Options.TryGetValue(RetrySafe, out bool safe) && safe;

    public void Dispose()
    {
        Client.Dispose();
        _services.Dispose();
    }

    /// <summary>Whether a status is one a retry could change (for messages after the retries ran out).</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
}
