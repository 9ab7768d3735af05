using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace OfflineSafety.Serve.Http;

/// <summary>
/// The X-Api-Key check on write endpoints, as an endpoint filter: with no key configured every
/// request passes; with one, a missing or different key is 401 before the body is read.
/// </summary>
public sealed class ApiKeyCheck(string? apiKey) : IEndpointFilter
{
    public const string Header = "X-Api-Key";

    private readonly byte[]? _key = apiKey is null ? null : Encoding.UTF8.GetBytes(apiKey);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var given = context.HttpContext.Request.Headers[Header];
        string? refusal = Refusal(given.Count == 1 ? given[0] : null, $"the {Header} header");
        return refusal is null ? next(context) : ValueTask.FromResult<object?>(Problems.Result(401, refusal));
    }

    /// <summary>
    /// Why <paramref name="given"/> (from <paramref name="where"/>, e.g. a header or a form field) is
    /// not the service's key, or null when it is or no key is configured.
    /// </summary>
    public string? Refusal(string? given, string where)
    {
        if (_key is null) return null;
        if (string.IsNullOrEmpty(given)) return $"this endpoint writes: send the service's API key in {where}";
        // Fixed-time comparison so the answer's timing does not reveal how much of a guess was right.
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _key)) return $"{where} does not hold the service's API key";
        return null;
    }

    public bool IsConfigured => _key is not null;
}
