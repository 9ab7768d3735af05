using System.Text.Json;
using Dapr.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace OfflineSafety.Serve.Sidecar;

/// <summary>
/// The seam between the endpoints and whatever the service shares with other replicas: state and
/// events through the Dapr sidecar when <see cref="ServeSettings.Dapr"/> names one, else the
/// standalone implementations. Chosen once, here; the endpoints never ask which.
/// </summary>
public sealed record SharedServices(ISharedState State, IEventPublisher Events)
{
    /// <summary>State values and event payloads in the service's snake_case JSON.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static SharedServices Standalone { get; } = new(new StandaloneState(), new StandaloneEvents());

    /// <summary>The services for <paramref name="app"/>; a DaprClient is disposed when the app stops.</summary>
    public static SharedServices Open(WebApplication app, ServeSettings settings)
    {
        if (settings.Dapr is not { } sidecar) return Standalone;
        var builder = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).UseJsonSerializationOptions(Json);
        if (sidecar.ApiToken is { } token) builder.UseDaprApiToken(token);
        var client = builder.Build();
        app.Lifetime.ApplicationStopped.Register(client.Dispose);
        return new SharedServices(new DaprSharedState(client, sidecar.StateStore), new DaprEventPublisher(client, sidecar.PubSub));
    }
}
