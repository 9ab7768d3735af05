using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OfflineSafety.Serve.Client.Tests;

/// <summary>What the proxy does to one request.</summary>
public enum Fault
{
    /// <summary>Forward it and pass the answer back.</summary>
    None,

    /// <summary>Answer 503 without forwarding (an overloaded gateway).</summary>
    Unavailable,

    /// <summary>Forward it (the service acts on it), then cut the connection: the answer is lost.</summary>
    LoseAnswer,
}

/// <summary>
/// A reverse proxy on a free loopback port (Kestrel) in front of the real service, that injects
/// faults by request and records what it saw. With <see cref="StartAsync"/>'s prefix it stands
/// where a Dapr sidecar does: requests to /v1.0/invoke/{app-id}/method/{path} reach the app at /{path}.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    public sealed record Seen(string Method, string Path, string? IdempotencyKey, string? DaprToken, Fault Fault);

    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly ConcurrentQueue<Seen> _seen = new();
    private int _count;

    private FaultProxy(WebApplication app, HttpClient upstream)
    {
        _app = app;
        _upstream = upstream;
    }

    /// <summary>Decides each request's fault from its 0-based index among the requests seen.</summary>
    public Func<int, HttpRequest, Fault> Faults { get; set; } = (_, _) => Fault.None;

    public IReadOnlyList<Seen> Requests => [.. _seen];
    public Uri Address => new(_app.Urls.First());
    public int Port => Address.Port;

    public static async Task<FaultProxy> StartAsync(Uri upstream, string stripPrefix = "")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var proxy = new FaultProxy(app, new HttpClient { BaseAddress = upstream });
        app.Run(context => proxy.HandleAsync(context, stripPrefix));
        await app.StartAsync();
        return proxy;
    }

    private async Task HandleAsync(HttpContext context, string stripPrefix)
    {
        var request = context.Request;
        string path = request.Path.Value ?? "/";
        if (!path.StartsWith(stripPrefix, StringComparison.Ordinal))
        {
            context.Response.StatusCode = 404;
            return;
        }
        path = path[stripPrefix.Length..];
        int index = Interlocked.Increment(ref _count) - 1;
        var fault = Faults(index, request);
        _seen.Enqueue(new Seen(request.Method, path, request.Headers["Idempotency-Key"].FirstOrDefault(), request.Headers["dapr-api-token"].FirstOrDefault(), fault));
        if (fault == Fault.Unavailable)
        {
            context.Response.StatusCode = 503;
            return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), path.TrimStart('/') + request.QueryString);
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted);
        if (body.Length > 0 || request.ContentType is not null)
        {
            forward.Content = new ByteArrayContent(body.ToArray());
            if (request.ContentType is { } type) forward.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        }
        foreach (var (name, values) in request.Headers)
            if (name is "X-Api-Key" or "Idempotency-Key" or "Accept") forward.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        using var answer = await _upstream.SendAsync(forward, context.RequestAborted);
        var bytes = await answer.Content.ReadAsByteArrayAsync(context.RequestAborted);
        if (fault == Fault.LoseAnswer)
        {
            context.Abort();
            return;
        }
        context.Response.StatusCode = (int)answer.StatusCode;
        if (answer.Content.Headers.ContentType is { } contentType) context.Response.ContentType = contentType.ToString();
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        _upstream.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
