using Dapr.Client;

namespace OfflineSafety.Serve.Sidecar;

/// <summary>
/// Shared state in a Dapr state store. An add is a save with first-write concurrency and an empty
/// ETag, which the store accepts only while the key is absent; a lost race comes back as false.
/// </summary>
public sealed class DaprSharedState(DaprClient client, string store) : ISharedState
{
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite, Consistency = ConsistencyMode.Strong };

    public async Task<T?> GetAsync<T>(string key, CancellationToken ct) where T : class
    {
        var (value, _) = await client.GetStateAndETagAsync<T?>(store, key, ConsistencyMode.Strong, cancellationToken: ct).ConfigureAwait(false);
        return value;
    }

    public Task<bool> TryAddAsync<T>(string key, T value, CancellationToken ct) where T : class =>
        client.TrySaveStateAsync(store, key, value, etag: "", FirstWrite, cancellationToken: ct);
}
