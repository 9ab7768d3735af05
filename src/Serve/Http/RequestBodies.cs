using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using OfflineSafety.Errors;

namespace OfflineSafety.Serve.Http;

/// <summary>
/// Reading request bodies under a size limit. The limit is set per endpoint before the first byte is
/// read, so Kestrel refuses an oversized body (413) and a body shorter than its Content-Length (400)
/// itself; a body is always read whole before any store work starts.
/// </summary>
public static class RequestBodies
{
    public static void Limit(HttpContext context, long maxBytes)
    {
        if (context.Request.ContentLength is long length && length > maxBytes)
            throw new BadHttpRequestException($"request body of {length} bytes is over this endpoint's limit of {maxBytes} bytes", StatusCodes.Status413PayloadTooLarge);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = maxBytes;
    }

    /// <summary>Deserializes a JSON body of at most <paramref name="maxBytes"/>; an empty body is a user error.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpContext context, long maxBytes) where T : class =>
        Parse<T>(await ReadJsonBytesAsync(context, maxBytes).ConfigureAwait(false));

    /// <summary>A JSON body's bytes, whole, for a caller that also hashes them.</summary>
    public static async Task<byte[]> ReadJsonBytesAsync(HttpContext context, long maxBytes)
    {
        RequireContentType(context, "application/json");
        Limit(context, maxBytes);
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        if (buffer.Length == 0) throw new BadInputException("request body is empty; expected a JSON object");
        return buffer.ToArray();
    }

    public static T Parse<T>(byte[] json) where T : class =>
        JsonSerializer.Deserialize<T>(json, ServeJson.Options) ?? throw new BadInputException("request body is JSON null; expected a JSON object");

    /// <summary>Copies the body into <paramref name="path"/> (a fresh file), whole, before anything reads it.</summary>
    public static async Task SpoolAsync(HttpContext context, string path, long maxBytes)
    {
        Limit(context, maxBytes);
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await context.Request.Body.CopyToAsync(file, 1 << 16, context.RequestAborted).ConfigureAwait(false);
        if (file.Length == 0) throw new BadInputException("request body is empty");
    }

    public static void RequireContentType(HttpContext context, string expected)
    {
        string? type = MediaType(context);
        if (type is null || !string.Equals(type, expected, StringComparison.OrdinalIgnoreCase))
            throw new UnsupportedMediaTypeException($"Content-Type '{context.Request.ContentType}' is not accepted here; send {expected}");
    }

    /// <summary>The media type of the body without parameters (charset), or null when none is given.</summary>
    public static string? MediaType(HttpContext context) =>
        context.Request.ContentType is { Length: > 0 } ct ? ct.Split(';', 2)[0].Trim() : null;
}

/// <summary>A body in a media type the endpoint does not read: 415.</summary>
public sealed class UnsupportedMediaTypeException(string message) : Exception(message);

/// <summary>An Accept header naming no representation the endpoint has: 406.</summary>
public sealed class NotAcceptableException(string message) : Exception(message);
