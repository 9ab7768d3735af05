using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using OfflineSafety.Serve.Http;

namespace OfflineSafety.Serve.Events;

/// <summary>
/// Who may deliver events: with Dapr's app token configured (APP_API_TOKEN) only a caller sending it
/// in <c>dapr-api-token</c>, as the sidecar does; otherwise the write endpoints' X-Api-Key rule, so an
/// event route is never an open door to the store the upload endpoint guards.
/// </summary>
public sealed class EventAuth(string? appToken, ApiKeyCheck apiKey) : IEndpointFilter
{
    public const string Header = "dapr-api-token";

    private readonly byte[]? _token = appToken is null ? null : Encoding.UTF8.GetBytes(appToken);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_token is null) return apiKey.InvokeAsync(context, next);
        var given = context.HttpContext.Request.Headers[Header];
        if (given.Count != 1 || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given[0] ?? ""), _token))
            return ValueTask.FromResult<object?>(Problems.Result(401, $"events are delivered by the Dapr sidecar with its app token in the {Header} header"));
        return next(context);
    }
}
