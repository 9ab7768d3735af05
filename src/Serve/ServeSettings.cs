namespace OfflineSafety.Serve;

/// <summary>
/// Everything the critic service is configured with; the host (the `offsafe serve` command, a test,
/// a benchmark) fills it in. Limits are checked before any work is done for a request.
/// </summary>
public sealed record ServeSettings
{
    /// <summary>Store root, as `--store` takes it (a directory).</summary>
    public required string Store { get; init; }

    /// <summary>When set, every write endpoint needs this value in the X-Api-Key header.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Most bytes of an upload (a log file) or a Parquet adaptation body.</summary>
    public long MaxUploadBytes { get; init; } = 256L << 20;

    /// <summary>Most bytes of a JSON request body (evaluate, filter, adapt with inline rows).</summary>
    public long MaxJsonBytes { get; init; } = 16L << 20;

    /// <summary>Most (obs, action) pairs one evaluate call scores, and candidates one filter call weighs.</summary>
    public int MaxBatchRows { get; init; } = 65_536;

    /// <summary>Loaded critics kept in memory (least recently used ones leave first).</summary>
    public int CachedModels { get; init; } = 32;

    /// <summary>How long "NAME" (the latest version) keeps resolving to the version it last named.</summary>
    public TimeSpan LatestVersionTtl { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Where upload bodies are spooled before the ingest reads them.</summary>
    public string SpoolFolder { get; init; } = Path.Combine(Path.GetTempPath(), "offsafe-serve");

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The Dapr sidecar beside this process, if any (null: standalone; docs/serve.md, "With Dapr").</summary>
    public Sidecar.DaprSidecar? Dapr { get; init; }

    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Store);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxUploadBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxJsonBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBatchRows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(CachedModels);
        if (ApiKey is { Length: 0 }) throw new ArgumentException("an API key, when set, must not be empty", nameof(ApiKey));
    }
}
