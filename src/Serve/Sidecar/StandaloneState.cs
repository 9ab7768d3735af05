namespace OfflineSafety.Serve.Sidecar;

/// <summary>
/// No shared state: without a sidecar the store is what replicas share (an idempotency key is a txn
/// action in the Delta log, an adaptation key is in the adapted card), and each process keeps its
/// own memory caches. Nothing is ever found here, and every add is accepted and forgotten.
/// </summary>
public sealed class StandaloneState : ISharedState
{
    public Task<T?> GetAsync<T>(string key, CancellationToken ct) where T : class => Task.FromResult<T?>(null);

    public Task<bool> TryAddAsync<T>(string key, T value, CancellationToken ct) where T : class => Task.FromResult(true);
}
