using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Serve.Client;

/// <summary>
/// An upload's labels. <see cref="IdempotencyKey"/> names the logical upload: every retry of it
/// (the client's own, or the caller's after a lost answer) sends the same key, so the service
/// commits one version. Null: the client makes one per call.
/// </summary>
public sealed record UploadOptions
{
    /// <summary>Environment id; creates the dataset with it when the dataset is new.</summary>
    public string? Env { get; init; }
    public string? Variant { get; init; }
    public string? Source { get; init; }
    public string? IdempotencyKey { get; init; }
}

/// <summary>The service's answer to an upload; <see cref="Committed"/> false: the key's earlier commit answered it.</summary>
public sealed record UploadResult(string Dataset, long Version, bool Committed, long Rows, long Episodes, long Unsafe, long Rejected,
    IReadOnlyList<string> Notes)
{
    /// <summary>The key the upload was sent with.</summary>
    public string IdempotencyKey { get; init; } = "";
}

/// <summary>The rows a critic is adapted to: a stored dataset's variant, or rows the job sends along.</summary>
public abstract record AdaptData
{
    /// <summary>NAME[@REF] in the service's store, and the variant whose rows adapt the critic.</summary>
    public sealed record StoredDataset(string Dataset, string Variant) : AdaptData;

    /// <summary>Rows sent in the request; <paramref name="Env"/> picks the adaptation settings (default: the base model's).</summary>
    public sealed record Inline(TransitionBatch Rows, string? Variant = null, string? Env = null) : AdaptData;
}

/// <summary>
/// One adaptation. Null settings are the environment's defaults; identical requests (base version,
/// data content, settings, output name) return the stored adaptation, so retrying one is safe.
/// </summary>
public sealed record AdaptRequest(AdaptData Data)
{
    /// <summary>Output model name (default: BASE-adapted).</summary>
    public string? Model { get; init; }
    public int? Steps { get; init; }
    public float? LearningRate { get; init; }
    public int? BatchSize { get; init; }
    public int? Seed { get; init; }
    public bool TrainRecovery { get; init; } = true;
}

/// <summary>The adapted critic's reference (NAME@V), its lineage and metrics.</summary>
public sealed record AdaptResult(string Model, string BaseModel, string Dataset, bool Cached, string? AdaptationKey,
    IReadOnlyDictionary<string, double> Metrics, double ServerMs);

/// <summary>q_risk per (obs, action) pair, and whether it exceeds the critic's eps.</summary>
public sealed record EvaluateResult(string Model, float Eps, float[] QRisk, bool[] Unsafe);

/// <summary>
/// The service's choice among candidate actions: "candidate" (a safe one, drawn as SQRL does),
/// "recovery" (every candidate unsafe: the recovery policy's action) or "least_risky".
/// </summary>
public sealed record FilterResult(string Model, float Eps, string Chose, int? Index, float[] Action, float[] QRisk);
