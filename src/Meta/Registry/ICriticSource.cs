namespace OfflineSafety.Meta.Registry;

/// <summary>
/// Where a job gets a stored critic by reference: the model registry in its own store, or (through
/// the service client) a critic service, so an online job learns with either alike.
/// </summary>
public interface ICriticSource
{
    Task<StoredModel> LoadAsync(ModelReference reference, CancellationToken ct = default);
}
