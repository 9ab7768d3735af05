using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace OfflineSafety.Serve.Http;

/// <summary>RFC 9457 problem documents: every error the service answers is one, with a one-line detail.</summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    public static string TitleOf(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        404 => "Not found",
        405 => "Method not allowed",
        406 => "Not acceptable",
        409 => "Conflict",
        411 => "Length required",
        413 => "Payload too large",
        415 => "Unsupported media type",
        503 => "Service unavailable",
        _ => status >= 500 ? "Internal server error" : "Error",
    };

    public static IResult Result(int status, string detail) =>
        Results.Json(new ProblemBody(TitleOf(status), status, OneLine(detail)), ServeJson.Options, ContentType, status);

    public static async Task WriteAsync(HttpContext context, int status, string detail)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        await JsonSerializer.SerializeAsync(context.Response.Body, new ProblemBody(TitleOf(status), status, OneLine(detail)), ServeJson.Options,
            context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Details are single lines: a multi-line message (several reader errors) is joined.</summary>
    public static string OneLine(string text) => text.ReplaceLineEndings("; ").Trim();

    public sealed record ProblemBody(string Title, int Status, string Detail)
    {
        public string Type => "about:blank";
    }
}
