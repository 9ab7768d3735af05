using System.Net;
using System.Text;
using System.Text.Json;
using OfflineSafety.Errors;

namespace OfflineSafety.Serve.Client;

/// <summary>
/// An error answer as the project's error types: a user error carries the service's own one-line
/// detail (the same line `offsafe` prints for the same mistake against a local store); a failure
/// of the service or the path to it is an <see cref="IOException"/> naming the request.
/// </summary>
internal static class ServeProblems
{
    public static Exception ToException(HttpResponseMessage response, byte[] body, string request)
    {
        int status = (int)response.StatusCode;
        string detail = DetailOf(response, body) ?? $"HTTP {status} {response.ReasonPhrase}";
        if (ServeHttp.IsTransient(response.StatusCode))
            return new IOException($"{request}: HTTP {status}: {detail}");
        return response.StatusCode switch
        {
            HttpStatusCode.NotFound => new NotFoundException(detail),
            HttpStatusCode.Conflict => new ConflictException(detail),
            _ => new BadInputException(detail),
        };
    }

    private static string? DetailOf(HttpResponseMessage response, byte[] body)
    {
        string? type = response.Content.Headers.ContentType?.MediaType;
        if (type is "application/problem+json" or "application/json")
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("detail", out var d)
                    && d.ValueKind == JsonValueKind.String)
                    return d.GetString()!.ReplaceLineEndings("; ").Trim();
            }
            catch (JsonException)
            {
                // Not a problem document after all: fall through to the body's text.
            }
        }
        if (body.Length == 0) return null;
        // A proxy's or sidecar's own error page: its first line, bounded.
        string text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300)).ReplaceLineEndings(" ").Trim();
        return text.Length == 0 ? null : text;
    }
}
