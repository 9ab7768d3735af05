using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Serve.Http;

namespace OfflineSafety.Serve.Events;

/// <summary>
/// What a subscriber answers the sidecar for an event: SUCCESS (done, or done before: a redelivered
/// event), DROP (it can never succeed: bad input, an unknown dataset or plan; the sidecar discards
/// it or moves it to a dead-letter topic) or RETRY (it may succeed later: the store or the sidecar
/// failed, a commit lost its race; the sidecar delivers it again).
/// </summary>
public static class Delivery
{
    public const string Success = "SUCCESS";
    public const string Retry = "RETRY";
    public const string Drop = "DROP";

    public static string VerdictFor(Exception ex) => ex switch
    {
        // A commit race that the store's own retries did not settle: the next delivery finds the winner.
        DeltaConflictException or ConflictException { InnerException: DeltaConflictException } => Retry,
        UserError or LogRejectedException or System.Text.Json.JsonException or UnsupportedMediaTypeException or BadHttpRequestException => Drop,
        IOException or SocketException or HttpRequestException or TimeoutException => Retry,
        // Anything else is a fault of ours or of a peer (the sidecar's gRPC errors included); the
        // sidecar's resiliency policy bounds the retries and then dead-letters the event.
        _ => Retry,
    };

    /// <summary>The answer body Dapr reads: <c>{"status": "SUCCESS" | "RETRY" | "DROP"}</c>, always with 200.</summary>
    public static IResult Answer(string status) => Results.Json(new { status });
}
