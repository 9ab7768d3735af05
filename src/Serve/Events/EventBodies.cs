using System.Text.Json;

namespace OfflineSafety.Serve.Events;

/// <summary>
/// An accident-logs event's data: the dataset and the upload's options (as an upload's query names
/// them), and the log itself, either inline (<see cref="Rows"/>, rows in the JSONL log shape) or
/// as an object in the service's store (<see cref="Object"/>, e.g. written by the blob binding).
/// </summary>
public sealed record AccidentLogEvent
{
    public required string Dataset { get; init; }
    public JsonElement[]? Rows { get; init; }
    public string? Object { get; init; }

    /// <summary>The object's log format (csv, jsonl, parquet, hdf5); detected when absent.</summary>
    public string? Format { get; init; }

    /// <summary>Creates the dataset with this environment when it does not exist.</summary>
    public string? Env { get; init; }
    public bool AllowUnknownEnv { get; init; }
    public string? Variant { get; init; }
    public string? Source { get; init; }
    public string? Map { get; init; }
    public bool Quarantine { get; init; }
}

/// <summary>A training-requests event's data: the plan to run now, as POST /v1/plans/{name}/runs takes it.</summary>
public sealed record TrainingRequestEvent
{
    public required string Plan { get; init; }
    public bool Force { get; init; }
}
