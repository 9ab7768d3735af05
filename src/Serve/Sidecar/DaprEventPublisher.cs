using Dapr.Client;

namespace OfflineSafety.Serve.Sidecar;

/// <summary>Publishes through the sidecar's pub/sub component; the sidecar wraps each payload in a CloudEvent.</summary>
public sealed class DaprEventPublisher(DaprClient client, string pubSub) : IEventPublisher
{
    public Task PublishAsync<T>(string topic, T data, CancellationToken ct) where T : class =>
        client.PublishEventAsync(pubSub, topic, data, ct);
}
