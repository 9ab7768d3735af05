namespace OfflineSafety.Serve.Sidecar;

/// <summary>Without a sidecar nothing is published; the scheduler polls the store for new versions instead (docs/plans.md).</summary>
public sealed class StandaloneEvents : IEventPublisher
{
    public Task PublishAsync<T>(string topic, T data, CancellationToken ct) where T : class => Task.CompletedTask;
}
