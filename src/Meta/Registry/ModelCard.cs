using System.Text.Json.Serialization;
using System.Text.Json;
using OfflineSafety.Meta.Critics;

namespace OfflineSafety.Meta.Registry;

/// <summary>A dataset version as a model names it: name@version plus the Delta table id.</summary>
public sealed record DatasetLineage(string Name, long Version, string? TableId, IReadOnlyList<string> Variants)
{
    public override string ToString() => $"{Name}@{Version}";
}

/// <summary>
/// Where a model came from: the data it saw, the model it was adapted from (for an adapted
/// critic), and the code that made it.
/// </summary>
public sealed record ModelLineage(DatasetLineage Dataset, string? BaseModel, string CodeVersion);

/// <summary>
/// model.json: everything needed to rebuild and trust a stored model without reading the code
/// that trained it. Weights live beside it in weights.safetensors. Two kinds share the registry:
/// safety critics (<see cref="CriticKind"/>, with architecture, normalisation and risk settings)
/// and SAFER skill priors (<see cref="PriorKind"/>, with <see cref="Prior"/>).
/// </summary>
public sealed record ModelCard
{
    public const string CurrentFormat = "offsafe-model/1";
    public const string CriticKind = "safety-critic";
    public const string PriorKind = "skill-prior";

    public string Format { get; init; } = CurrentFormat;
    public required string Name { get; init; }
    public int Version { get; init; }
    public required string Kind { get; init; }
    public required string Algorithm { get; init; }
    public required DateTimeOffset CreatedUtc { get; init; }
    public required int ObsDim { get; init; }
    public required int ActDim { get; init; }
    /// <summary>The critic's network; null on a skill prior's card.</summary>
    public CriticArchitecture? Architecture { get; init; }
    /// <summary>The critic's input normalisation; null on a skill prior's card.</summary>
    public Normalization? Normalization { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public float GammaRisk { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public float EpsRisk { get; init; }

    /// <summary>A skill prior's shape and safety bound; null on a critic's card.</summary>
    public SkillPriorCard? Prior { get; init; }

    public bool IsPrior => Kind == PriorKind;
    public required int Seed { get; init; }

    /// <summary>The trainer's hyperparameter record, as JSON, so a run can be repeated exactly.</summary>
    public required JsonElement TrainingConfig { get; init; }
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
    public required ModelLineage Lineage { get; init; }

    /// <summary>Hidden widths of the recovery policy stored beside the critic, when there is one.</summary>
    public int[]? RecoveryHidden { get; init; }

    /// <summary>
    /// For an adapted critic: the hash of what produced it (base version, data content, settings).
    /// An identical adaptation request finds this card instead of adapting again.
    /// </summary>
    public string? AdaptationKey { get; init; }

    /// <summary>Tensor name prefixes present in the weights file (e.g. "critic.", "recovery.").</summary>
    public IReadOnlyList<string> Components { get; init; } = ["critic."];

    public string Reference => $"{Name}@{Version}";

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A card for a freshly trained or adapted critic (version assigned on publish).</summary>
    public static ModelCard For<TConfig>(string name, string algorithm, SafetyCritic critic, float gammaRisk, float epsRisk, int seed,
        TConfig trainingConfig, IReadOnlyDictionary<string, double> metrics, ModelLineage lineage, int[]? recoveryHidden = null) => new()
    {
        Name = name,
        Kind = CriticKind,
        Algorithm = algorithm,
        CreatedUtc = DateTimeOffset.UtcNow,
        ObsDim = critic.ObsDim,
        ActDim = critic.ActDim,
        Architecture = critic.Architecture,
        Normalization = critic.Normalization,
        GammaRisk = gammaRisk,
        EpsRisk = epsRisk,
        Seed = seed,
        TrainingConfig = JsonSerializer.SerializeToElement(trainingConfig, JsonOptions),
        Metrics = metrics,
        Lineage = lineage,
        RecoveryHidden = recoveryHidden,
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, JsonOptions);

    public static ModelCard FromJson(ReadOnlySpan<byte> json, string where)
    {
        ModelCard? card;
        try
        {
            card = JsonSerializer.Deserialize<ModelCard>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            // The parser's own message names a JSON path, not the file; a user must learn which card is damaged.
            throw new InvalidDataException($"{where}: not a valid model card: {ex.Message}", ex);
        }
        if (card is null) throw new InvalidDataException($"{where}: model.json is null");
        if (card.Format != CurrentFormat) throw new InvalidDataException($"{where}: format '{card.Format}' is not {CurrentFormat}");
        return card;
    }
}
