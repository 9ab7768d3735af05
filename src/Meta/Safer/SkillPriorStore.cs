using System.Text.Json;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Distributions;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Nn.Serialization;

namespace OfflineSafety.Meta.Safer;

/// <summary>A prior as loaded from the registry, with its card.</summary>
public sealed record StoredPrior(ModelCard Card, SkillPrior Prior);

/// <summary>
/// Skill priors as registry models: the same versioned, immutable layout as critics
/// (models/NAME/V/model.json + weights.safetensors), kind <see cref="ModelCard.PriorKind"/>.
/// Tensors: "flow.coupling.K.L.weight|bias", "encoder.*", and "norm.state_mean|state_std|action_mean|action_std".
/// </summary>
public sealed class SkillPriorStore(ModelRegistry registry) : IPriorSource
{
    public ModelRegistry Registry => registry;

    /// <summary>A card for a freshly fitted prior (version assigned on publish).</summary>
    public static ModelCard CardFor(string name, SaferFitResult fit, ModelLineage lineage) => new()
    {
        Name = name,
        Kind = ModelCard.PriorKind,
        Algorithm = AlgorithmName(fit.Prior.Settings.Variant),
        CreatedUtc = DateTimeOffset.UtcNow,
        ObsDim = fit.Prior.StateSize,
        ActDim = fit.Prior.ActionSize,
        Seed = fit.Prior.Settings.Seed,
        TrainingConfig = JsonSerializer.SerializeToElement(fit.Prior.Settings, ModelCard.JsonOptions),
        Metrics = fit.Metrics,
        Lineage = lineage,
        Prior = Describe(fit.Prior),
        Components = fit.Prior.Encoder is null ? ["flow.", "norm."] : ["flow.", "encoder.", "norm."],
    };

    public static string AlgorithmName(PriorVariant variant) => variant switch
    {
        PriorVariant.Safer => "safer",
        PriorVariant.Parrot => "parrot",
        _ => "context-parrot",
    };

    public static SkillPriorCard Describe(SkillPrior prior)
    {
        var s = prior.Settings;
        return new SkillPriorCard(s.Variant, prior.StateSize, prior.ActionSize, prior.ContextSize, prior.WindowLength, prior.Flow.Couplings,
            [.. prior.Flow.Hidden], prior.Flow.LogScaleBound, prior.Encoder?.Kind ?? s.Encoder, prior.Encoder?.Width ?? s.EncoderWidth, prior.SafetyBound, s.UnsafeBound);
    }

    public Task<ModelCard> PublishAsync(ModelCard card, SkillPrior prior, CancellationToken ct = default)
    {
        if (!card.IsPrior || card.Prior is null) throw new ArgumentException("a prior is published with a skill-prior card", nameof(card));
        return registry.PublishWeightsAsync(card, EncodeWeights(prior), ct);
    }

    /// <summary>The prior of NAME@V (or the latest); a user error when that model is not a prior.</summary>
    public async Task<StoredPrior> LoadAsync(ModelReference reference, CancellationToken ct = default)
    {
        var (card, weights) = await registry.ReadWeightsAsync(reference, ct).ConfigureAwait(false);
        return new StoredPrior(card, Decode(card, weights, $"{registry.Objects.Location}/{ModelRegistry.WeightsKey(card.Name, card.Version)}"));
    }

    Task<StoredPrior> IPriorSource.LoadPriorAsync(ModelReference reference, CancellationToken ct) => LoadAsync(reference, ct);

    public static byte[] EncodeWeights(SkillPrior prior)
    {
        var tensors = new List<SafeTensor>();
        foreach (var p in prior.Flow.Parameters) tensors.Add(ToSafe("flow." + p.Name, p));
        if (prior.Encoder is not null)
            foreach (var p in prior.Encoder.Parameters) tensors.Add(ToSafe("encoder." + p.Name, p));
        tensors.Add(new SafeTensor("norm.state_mean", [prior.StateSize], [.. prior.StateMean]));
        tensors.Add(new SafeTensor("norm.state_std", [prior.StateSize], [.. prior.StateStd]));
        tensors.Add(new SafeTensor("norm.action_mean", [prior.ActionSize], [.. prior.ActionMean]));
        tensors.Add(new SafeTensor("norm.action_std", [prior.ActionSize], [.. prior.ActionStd]));
        using var stream = new MemoryStream();
        SafeTensors.Write(stream, tensors, new Dictionary<string, string> { ["format"] = ModelCard.CurrentFormat, ["kind"] = ModelCard.PriorKind });
        return stream.ToArray();
    }

    /// <summary>The prior of a card from its weights.safetensors bytes (this store's, or the service's /weights).</summary>
    public static SkillPrior Decode(ModelCard card, ReadOnlySpan<byte> weights, string where)
    {
        if (!card.IsPrior || card.Prior is not { } shape)
            throw new BadInputException($"model {card.Reference} is a {card.Kind}, not a skill prior");
        SafeTensorsContent content;
        try { content = SafeTensors.Read(weights); }
        catch (InvalidDataException ex) { throw new InvalidDataException($"{where}: {ex.Message}", ex); }
        var settings = card.TrainingConfig.ValueKind == JsonValueKind.Object
            ? card.TrainingConfig.Deserialize<SaferPriorSettings>(ModelCard.JsonOptions) ?? SaferPriorSettings.For(shape.Variant)
            : SaferPriorSettings.For(shape.Variant);
        // The shapes come from the card; the values are overwritten from the file, so the seed is irrelevant.
        var random = new Xoshiro256StarStar(0);
        var flow = new ConditionalRealNvp(shape.ActionSize, shape.StateSize + shape.ContextSize, shape.Couplings, shape.FlowHidden, shape.LogScaleBound, random);
        var encoder = shape.ContextSize > 0
            ? new SafetyContextEncoder(shape.StateSize, shape.WindowLength, shape.ContextSize, shape.EncoderWidth, shape.Encoder, random)
            : null;
        foreach (var p in flow.Parameters) Fill(content, "flow." + p.Name, p, where);
        if (encoder is not null)
            foreach (var p in encoder.Parameters) Fill(content, "encoder." + p.Name, p, where);
        return new SkillPrior(settings, flow, encoder, shape.StateSize, shape.WindowLength,
            Vector(content, "norm.state_mean", shape.StateSize, where), Vector(content, "norm.state_std", shape.StateSize, where),
            Vector(content, "norm.action_mean", shape.ActionSize, where), Vector(content, "norm.action_std", shape.ActionSize, where),
            shape.SafetyBound);
    }

    private static SafeTensor ToSafe(string name, Tensor t) => new(name, t.Shape, t.Data.ToArray());

    private static SafeTensor Find(SafeTensorsContent content, string name, string where)
        => content.Tensors.FirstOrDefault(s => s.Name == name) ?? throw new InvalidDataException($"{where}: tensor '{name}' is missing");

    private static void Fill(SafeTensorsContent content, string name, Tensor into, string where)
    {
        var stored = Find(content, name, where);
        if (stored.Values.Length != into.Length)
            throw new InvalidDataException($"{where}: tensor '{name}' has {stored.Values.Length} values, the card's architecture needs {into.Length}");
        stored.Values.CopyTo(into.Data);
    }

    private static float[] Vector(SafeTensorsContent content, string name, int length, string where)
    {
        var stored = Find(content, name, where);
        if (stored.Values.Length != length) throw new InvalidDataException($"{where}: tensor '{name}' has {stored.Values.Length} values, expected {length}");
        return [.. stored.Values];
    }
}
