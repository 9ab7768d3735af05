namespace OfflineSafety.Serve.Sidecar;

/// <summary>The pub/sub topics the service subscribes to and publishes (docs/serve.md, "With Dapr").</summary>
public static class Topics
{
    /// <summary>In: accident logs to ingest (rows inline or an object in the store).</summary>
    public const string AccidentLogs = "accident-logs";

    /// <summary>In: a training plan to run (Step 11's runs).</summary>
    public const string TrainingRequests = "training-requests";

    /// <summary>Out: a dataset version was committed.</summary>
    public const string DatasetVersioned = "dataset-versioned";

    /// <summary>Out: a critic was adapted.</summary>
    public const string CriticAdapted = "critic-adapted";
}

/// <summary>The dataset-versioned payload: which version was committed, with how many rows.</summary>
public sealed record DatasetVersionedEvent(string Dataset, long Version, long Rows, long Unsafe, string TableId);

/// <summary>The critic-adapted payload: the adapted model, what it was adapted from, and the adaptation's key.</summary>
public sealed record CriticAdaptedEvent(string Model, string BaseModel, string Dataset, string AdaptationKey);
