namespace OfflineSafety.Serve.Sidecar;

/// <summary>
/// Where the Dapr sidecar is and which of its components the service uses. Present in
/// <see cref="ServeSettings.Dapr"/> only when the service runs beside a sidecar; absent, the service
/// keeps everything in its store and publishes nothing (docs/serve.md, "With Dapr").
/// </summary>
public sealed record DaprSidecar
{
    public const string DefaultPubSub = "pubsub";
    public const string DefaultStateStore = "statestore";

    /// <summary>The sidecar's gRPC address, e.g. http://127.0.0.1:50001.</summary>
    public required string GrpcEndpoint { get; init; }

    /// <summary>The pub/sub component that carries the service's topics.</summary>
    public string PubSub { get; init; } = DefaultPubSub;

    /// <summary>The state store component for adaptation-cache entries and idempotency keys.</summary>
    public string StateStore { get; init; } = DefaultStateStore;

    /// <summary>Dapr's API token (DAPR_API_TOKEN) the sidecar requires of the app's calls, if any.</summary>
    public string? ApiToken { get; init; }

    /// <summary>
    /// Dapr's app token (APP_API_TOKEN): when set, the sidecar sends it in <c>dapr-api-token</c> with
    /// every event it delivers, and the event routes require it instead of the X-Api-Key.
    /// </summary>
    public string? AppToken { get; init; }

    /// <summary>
    /// The sidecar that `dapr run` and the Kubernetes injector announce through DAPR_GRPC_ENDPOINT or
    /// DAPR_GRPC_PORT, or null when neither is set (no sidecar: standalone).
    /// </summary>
    public static DaprSidecar? FromEnvironment(Func<string, string?> variable, string pubSub = DefaultPubSub, string stateStore = DefaultStateStore)
    {
        string? endpoint = variable("DAPR_GRPC_ENDPOINT") is { Length: > 0 } e ? e
            : variable("DAPR_GRPC_PORT") is { Length: > 0 } port ? $"http://127.0.0.1:{port}"
            : null;
        if (endpoint is null) return null;
        return new DaprSidecar
        {
            GrpcEndpoint = endpoint,
            PubSub = pubSub,
            StateStore = stateStore,
            ApiToken = variable("DAPR_API_TOKEN") is { Length: > 0 } t ? t : null,
            AppToken = variable("APP_API_TOKEN") is { Length: > 0 } a ? a : null,
        };
    }
}
