namespace OfflineSafety.Serve.Sidecar;

/// <summary>Announces what the service did (a dataset version committed, a critic adapted) to whoever subscribes.</summary>
public interface IEventPublisher
{
    Task PublishAsync<T>(string topic, T data, CancellationToken ct) where T : class;
}
