namespace OfflineSafety.Serve.Client;

/// <summary>
/// What a <see cref="ServeClient"/> is configured with. Retries (exponential backoff with jitter)
/// apply to transient failures only: connection errors, timeouts, 408, 429 and 5xx; never to
/// another 4xx, which the same request would get again.
/// </summary>
public sealed record ServeClientOptions
{
    public required ServeTransport Transport { get; init; }

    /// <summary>Sent as X-Api-Key; the service requires it on writes when it is started with one.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Retries after the first attempt.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>Backoff before the first retry; it doubles after each.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest one attempt may take: an adaptation runs within its request.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Transport);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries);
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AttemptTimeout, TimeSpan.Zero);
        if (ApiKey is { Length: 0 }) throw new ArgumentException("an API key, when set, must not be empty", nameof(ApiKey));
    }
}
