using System.Globalization;
using System.Text.Json;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// What a transition dataset records about itself beyond the schema: the environment, observation
/// and action dimensions and bounds, the label convention, and each variant's dynamics parameters.
/// Stored as `offsafe.*` entries of the Delta metaData configuration map (string to string).
/// </summary>
public sealed record DatasetMetadata(string EnvId, int ObsDim, int ActionDim)
{
    public const string EnvIdKey = "offsafe.envId";
    public const string ObsDimKey = "offsafe.obsDim";
    public const string ActionDimKey = "offsafe.actionDim";
    public const string ObsLowKey = "offsafe.obsLow";
    public const string ObsHighKey = "offsafe.obsHigh";
    public const string ActionLowKey = "offsafe.actionLow";
    public const string ActionHighKey = "offsafe.actionHigh";
    public const string LabelConventionKey = "offsafe.labelConventionVersion";
    public const string VariantParamsKeyPrefix = "offsafe.variantParams.";

    public IReadOnlyList<float>? ObsLow { get; init; }
    public IReadOnlyList<float>? ObsHigh { get; init; }
    public IReadOnlyList<float>? ActionLow { get; init; }
    public IReadOnlyList<float>? ActionHigh { get; init; }
    public int LabelConventionVersion { get; init; } = TransitionColumns.LabelConventionVersion;
    public string? Description { get; init; }

    /// <summary>Commits between checkpoints (Delta's `delta.checkpointInterval`).</summary>
    public int CheckpointInterval { get; init; } = Delta.DeltaLog.DefaultCheckpointInterval;

    /// <summary>Dynamics parameters per variant, e.g. {"heavy": {"mass": 2.0}}, where known.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> VariantParams { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, double>>();

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(EnvId)) throw new OfflineSafety.Errors.BadInputException("dataset metadata: env id is empty");
        if (ObsDim <= 0) throw new OfflineSafety.Errors.BadInputException($"dataset metadata: obs dim must be positive, got {ObsDim}");
        if (ActionDim <= 0) throw new OfflineSafety.Errors.BadInputException($"dataset metadata: action dim must be positive, got {ActionDim}");
        CheckBounds(ObsLow, ObsDim, "obs low");
        CheckBounds(ObsHigh, ObsDim, "obs high");
        CheckBounds(ActionLow, ActionDim, "action low");
        CheckBounds(ActionHigh, ActionDim, "action high");
        if (CheckpointInterval <= 0) throw new OfflineSafety.Errors.BadInputException($"dataset metadata: checkpoint interval must be positive, got {CheckpointInterval}");
    }

    public Dictionary<string, string> ToConfiguration()
    {
        var c = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [EnvIdKey] = EnvId,
            [ObsDimKey] = ObsDim.ToString(CultureInfo.InvariantCulture),
            [ActionDimKey] = ActionDim.ToString(CultureInfo.InvariantCulture),
            [LabelConventionKey] = LabelConventionVersion.ToString(CultureInfo.InvariantCulture),
            [Delta.DeltaLog.CheckpointIntervalKey] = CheckpointInterval.ToString(CultureInfo.InvariantCulture),
        };
        if (ObsLow is not null) c[ObsLowKey] = JsonSerializer.Serialize(ObsLow);
        if (ObsHigh is not null) c[ObsHighKey] = JsonSerializer.Serialize(ObsHigh);
        if (ActionLow is not null) c[ActionLowKey] = JsonSerializer.Serialize(ActionLow);
        if (ActionHigh is not null) c[ActionHighKey] = JsonSerializer.Serialize(ActionHigh);
        foreach (var (variant, parameters) in VariantParams)
            c[VariantParamsKeyPrefix + variant] = JsonSerializer.Serialize(parameters);
        return c;
    }

    public static DatasetMetadata FromConfiguration(IReadOnlyDictionary<string, string> c, string? description, string table)
    {
        string Get(string key) => c.TryGetValue(key, out var v) ? v
            : throw new InvalidDataException($"dataset '{table}': table configuration lacks '{key}'; not a transition dataset");
        int GetInt(string key) => int.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new InvalidDataException($"dataset '{table}': configuration '{key}' = '{c[key]}' is not an integer");
        float[]? Floats(string key) => c.TryGetValue(key, out var v) ? JsonSerializer.Deserialize<float[]>(v) : null;

        var variants = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        foreach (var (key, value) in c)
            if (key.StartsWith(VariantParamsKeyPrefix, StringComparison.Ordinal))
                variants[key[VariantParamsKeyPrefix.Length..]] = JsonSerializer.Deserialize<Dictionary<string, double>>(value)
                    ?? throw new InvalidDataException($"dataset '{table}': configuration '{key}' is not a JSON object");

        return new DatasetMetadata(Get(EnvIdKey), GetInt(ObsDimKey), GetInt(ActionDimKey))
        {
            ObsLow = Floats(ObsLowKey),
            ObsHigh = Floats(ObsHighKey),
            ActionLow = Floats(ActionLowKey),
            ActionHigh = Floats(ActionHighKey),
            LabelConventionVersion = GetInt(LabelConventionKey),
            CheckpointInterval = c.TryGetValue(Delta.DeltaLog.CheckpointIntervalKey, out var ci) && int.TryParse(ci, out int i) ? i : Delta.DeltaLog.DefaultCheckpointInterval,
            Description = description,
            VariantParams = variants,
        };
    }

    private static void CheckBounds(IReadOnlyList<float>? bounds, int dim, string what)
    {
        if (bounds is not null && bounds.Count != dim)
            throw new OfflineSafety.Errors.BadInputException($"dataset metadata: {what} has {bounds.Count} values, expected {dim}");
    }
}
