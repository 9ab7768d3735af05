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
        if (_key is null) return next(context);
        var given = context.HttpContext.Request.Headers[Header];
        if (given.Count != 1 || string.IsNullOrEmpty(given[0]))
            return ValueTask.FromResult<object?>(Problems.Result(401, $"this endpoint writes: send the service's API key in the {Header} header"));
        // Fixed-time comparison so the answer's timing does not reveal how much of a guess was right.
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given[0]!), _key))
            return ValueTask.FromResult<object?>(Problems.Result(401, $"the {Header} header does not hold the service's API key"));
        return next(context);
    }
}
