using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Logs;

namespace OfflineSafety.Serve.Http;

/// <summary>
/// The outermost middleware: times each request (Server-Timing header, /metrics) and turns every
/// failure into a problem+json answer. User errors map by kind (docs/architecture.md, "Errors");
/// anything else is a bug: logged with its stack trace, answered 500 without internals.
/// </summary>
public sealed class ErrorsAndTiming(RequestDelegate next, ServiceMetrics metrics, TimeProvider time, ILogger<ErrorsAndTiming> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        long start = time.GetTimestamp();
        context.Response.OnStarting(() =>
        {
            double ms = time.GetElapsedTime(start).TotalMilliseconds;
            context.Response.Headers["Server-Timing"] = string.Create(CultureInfo.InvariantCulture, $"app;dur={ms:F3}");
            return Task.CompletedTask;
        });
        try
        {
            await next(context).ConfigureAwait(false);
            if (!context.Response.HasStarted && context.Response.StatusCode >= 400 && context.Response.ContentType is null)
                await Problems.WriteAsync(context, context.Response.StatusCode, DetailFor(context)).ConfigureAwait(false);
        }
        catch (Exception ex) when (Classify(ex) is { } answer)
        {
            if (answer.Status >= 500) log.LogError(ex, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            if (context.Response.HasStarted)
            {
                // A streamed answer cannot change its status; cutting the connection tells the client it is incomplete.
                context.Abort();
            }
            else
            {
                await Problems.WriteAsync(context, answer.Status, answer.Detail).ConfigureAwait(false);
            }
        }
        finally
        {
            string route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            metrics.Request(context.Request.Method, route, context.Response.StatusCode, time.GetElapsedTime(start));
        }
    }

    /// <summary>The status and one-line detail for a failure; null for a cancellation (not answered).</summary>
    internal static (int Status, string Detail)? Classify(Exception ex) => ex switch
    {
        OperationCanceledException => null,
        UserError u => (u.Kind switch { UserErrorKind.NotFound => 404, UserErrorKind.Conflict => 409, _ => 400 }, u.Message),
        LogRejectedException r => (400, r.Message),
        UnsupportedMediaTypeException m => (415, m.Message),
        NotAcceptableException n => (406, n.Message),
        // Kestrel's own verdicts on the request: a body over the limit (413), one shorter than its Content-Length (400).
        BadHttpRequestException b => (b.StatusCode, b.Message),
        JsonException j => (400, $"request body is not valid JSON: {j.Message}"),
        _ => (500, "internal error; the server log has the details"),
    };

    private static string DetailFor(HttpContext context) => context.Response.StatusCode switch
    {
        404 => $"no endpoint at {context.Request.Method} {context.Request.Path}",
        405 => $"{context.Request.Method} is not allowed on {context.Request.Path}",
        _ => Problems.TitleOf(context.Response.StatusCode),
    };
}
