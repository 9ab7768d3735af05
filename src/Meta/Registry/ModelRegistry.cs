using System.Globalization;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Serialization;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Registry;


/// <summary>
/// Versioned, immutable safety critics in an <see cref="IObjectStore"/>:
/// <c>models/&lt;name&gt;/&lt;version&gt;/weights.safetensors</c> and <c>model.json</c>. Versions count
/// 1, 2, ... per name. Publishing writes the weights, then creates model.json only if absent: that
/// create is the commit, so a version either exists whole or not at all, nothing is overwritten,
/// and two writers racing for a version number end with one of them taking the next.
/// </summary>
public sealed class ModelRegistry(IObjectStore store) : ICriticSource
{
    public const string Prefix = "models/";
    public const string CardFile = "model.json";
    public const string WeightsFile = "weights.safetensors";
    private const int MaxPublishAttempts = 16;

    public IObjectStore Objects => store;

    public static string CardKey(string name, int version) => $"{Prefix}{name}/{version.ToString(CultureInfo.InvariantCulture)}/{CardFile}";
    public static string WeightsKey(string name, int version) => $"{Prefix}{name}/{version.ToString(CultureInfo.InvariantCulture)}/{WeightsFile}";

    /// <summary>Stores the critic (and recovery policy) as the next version of <paramref name="card"/>'s name; returns the card as stored.</summary>
    public async Task<ModelCard> PublishAsync(ModelCard card, SafetyCritic critic, RecoveryPolicy? recovery, CancellationToken ct = default)
    {
        return await PublishWeightsAsync(card with { Components = recovery is null ? ["critic."] : ["critic.", "recovery."] },
            EncodeWeights(critic, recovery), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores weights.safetensors bytes and their card as the next version of the card's name, for a
    /// model kind whose encoding lives with its own code (a SAFER prior: Meta/Safer/SkillPriorStore).
    /// </summary>
    public async Task<ModelCard> PublishWeightsAsync(ModelCard card, byte[] weights, CancellationToken ct = default)
    {
        ModelReference.ValidateName(card.Name);
        for (int attempt = 0; attempt < MaxPublishAttempts; attempt++)
        {
            int version = (await VersionNumbersAsync(card.Name, includeIncomplete: true, ct).ConfigureAwait(false)).DefaultIfEmpty(0).Max() + 1;
            var stored = card with { Version = version };
            if (!await store.CreateIfAbsentAsync(WeightsKey(card.Name, version), weights, ct).ConfigureAwait(false)) continue;
            if (await store.CreateIfAbsentAsync(CardKey(card.Name, version), stored.ToJson(), ct).ConfigureAwait(false)) return stored;
        }
        throw new IOException($"store '{store.Location}': could not claim a new version of model '{card.Name}' after {MaxPublishAttempts} attempts");
    }

    /// <summary>Model names that have at least one complete version, in ordinal order.</summary>
    public async Task<IReadOnlyList<string>> ListNamesAsync(CancellationToken ct = default)
    {
        var names = new List<string>();
        await foreach (var prefix in store.ListCommonPrefixesAsync(Prefix, ct).ConfigureAwait(false))
        {
            string name = prefix[Prefix.Length..^1];
            if ((await VersionNumbersAsync(name, includeIncomplete: false, ct).ConfigureAwait(false)).Count > 0) names.Add(name);
        }
        // Key listings order "a-b/" before "a/"; names sort as names.
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Every complete version of a model, oldest first.</summary>
    public async Task<IReadOnlyList<ModelCard>> ListVersionsAsync(string name, CancellationToken ct = default)
    {
        var cards = new List<ModelCard>();
        foreach (int v in await VersionNumbersAsync(name, includeIncomplete: false, ct).ConfigureAwait(false))
            cards.Add(await ReadCardAsync(name, v, ct).ConfigureAwait(false));
        return cards;
    }

    /// <summary>
    /// Every readable card of every model, and the cards that could not be read (named, with the
    /// reason): one damaged model.json must not hide the rest of the registry.
    /// </summary>
    public async Task<RegistryListing> ListAllAsync(CancellationToken ct = default)
    {
        var cards = new List<ModelCard>();
        var unreadable = new List<UnreadableCard>();
        foreach (var name in await ListNamesAsync(ct).ConfigureAwait(false))
            foreach (int v in await VersionNumbersAsync(name, includeIncomplete: false, ct).ConfigureAwait(false))
            {
                try
                {
                    cards.Add(await ReadCardAsync(name, v, ct).ConfigureAwait(false));
                }
                catch (InvalidDataException ex)
                {
                    unreadable.Add(new UnreadableCard(CardKey(name, v), ex.Message));
                }
            }
        return new RegistryListing(cards, unreadable);
    }

    /// <summary>Version numbers of <paramref name="name"/> that have weights but no card: publishes that died before their commit.</summary>
    internal async Task<IReadOnlyList<int>> IncompleteVersionsAsync(string name, CancellationToken ct)
    {
        var all = await VersionNumbersAsync(name, includeIncomplete: true, ct).ConfigureAwait(false);
        var complete = await VersionNumbersAsync(name, includeIncomplete: false, ct).ConfigureAwait(false);
        return all.Except(complete).ToList();
    }

    /// <summary>Every model name with a version folder, complete or not.</summary>
    internal async Task<IReadOnlyList<string>> ListAllNamesAsync(CancellationToken ct)
    {
        var names = new List<string>();
        await foreach (var prefix in store.ListCommonPrefixesAsync(Prefix, ct).ConfigureAwait(false)) names.Add(prefix[Prefix.Length..^1]);
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>The card of NAME@V, or of the latest version of NAME.</summary>
    public async Task<ModelCard> ResolveAsync(ModelReference reference, CancellationToken ct = default)
    {
        if (reference.Version is { } v) return await ReadCardAsync(reference.Name, v, ct).ConfigureAwait(false);
        var versions = await VersionNumbersAsync(reference.Name, includeIncomplete: false, ct).ConfigureAwait(false);
        if (versions.Count == 0) throw new NotFoundException($"model '{reference.Name}' not found in store '{store.Location}'");
        return await ReadCardAsync(reference.Name, versions[^1], ct).ConfigureAwait(false);
    }

    /// <summary>The critic of NAME@V (or the latest), with its card and recovery policy.</summary>
    public async Task<StoredModel> LoadAsync(ModelReference reference, CancellationToken ct = default)
    {
        var card = await ResolveAsync(reference, ct).ConfigureAwait(false);
        string key = WeightsKey(card.Name, card.Version);
        var bytes = await store.TryReadAsync(key, ct).ConfigureAwait(false)
            ?? throw new InvalidDataException($"store '{store.Location}': {card.Reference} has a model.json but no {WeightsFile}");
        return Decode(card, bytes, key);
    }

    /// <summary>
    /// The critic (and recovery policy) of a card from its weights.safetensors bytes, wherever they
    /// came from: this store, or the service's /weights for a client that scores locally.
    /// <paramref name="where"/> names the source in errors.
    /// </summary>
    public static StoredModel Decode(ModelCard card, ReadOnlySpan<byte> weights, string where)
    {
        if (card.Architecture is null || card.Normalization is null)
            throw new BadInputException($"model {card.Reference} is a {card.Kind}, not a safety critic: it has a card and weights but does not score actions");
        SafeTensorsContent content;
        try
        {
            content = SafeTensors.Read(weights);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{where}: {ex.Message}", ex);
        }
        var criticShape = SafetyCritic.ShapeOf(card.Architecture, card.ObsDim, card.ActDim);
        var critic = new SafetyCritic(card.Architecture, card.Normalization, Gather(content, criticShape, where));
        RecoveryPolicy? recovery = null;
        if (card.Components.Contains("recovery.") && card.RecoveryHidden is { } hidden)
            recovery = new RecoveryPolicy(card.Normalization, hidden, Gather(content, RecoveryPolicy.ShapeOf(card.Normalization, hidden), where));
        return new StoredModel(card, critic, recovery);
    }

    /// <summary>The card and the stored weights.safetensors bytes of NAME@V (or the latest), as they are: for a client that scores locally.</summary>
    public async Task<(ModelCard Card, byte[] Weights)> ReadWeightsAsync(ModelReference reference, CancellationToken ct = default)
    {
        var card = await ResolveAsync(reference, ct).ConfigureAwait(false);
        var bytes = await store.TryReadAsync(WeightsKey(card.Name, card.Version), ct).ConfigureAwait(false)
            ?? throw new InvalidDataException($"store '{store.Location}': {card.Reference} has a model.json but no {WeightsFile}");
        return (card, bytes);
    }

    private async Task<ModelCard> ReadCardAsync(string name, int version, CancellationToken ct)
    {
        string key = CardKey(name, version);
        var bytes = await store.TryReadAsync(key, ct).ConfigureAwait(false)
            ?? throw new NotFoundException($"model '{name}@{version}' not found in store '{store.Location}'");
        return ModelCard.FromJson(bytes, $"{store.Location}/{key}");
    }

    // Version folders in ascending numeric order; complete ones have a model.json.
    private async Task<List<int>> VersionNumbersAsync(string name, bool includeIncomplete, CancellationToken ct)
    {
        var versions = new List<int>();
        await foreach (var prefix in store.ListCommonPrefixesAsync($"{Prefix}{name}/", ct).ConfigureAwait(false))
        {
            string segment = prefix[(Prefix.Length + name.Length + 1)..^1];
            if (!int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out int v)) continue;
            if (includeIncomplete || await store.GetInfoAsync(CardKey(name, v), ct).ConfigureAwait(false) is not null) versions.Add(v);
        }
        versions.Sort();
        return versions;
    }

    private static byte[] EncodeWeights(SafetyCritic critic, RecoveryPolicy? recovery)
    {
        var tensors = new List<SafeTensor>();
        Split(critic.Shape, critic.Parameters, tensors);
        if (recovery is not null) Split(recovery.Shape, recovery.Parameters, tensors);
        using var stream = new MemoryStream();
        SafeTensors.Write(stream, tensors, new Dictionary<string, string> { ["format"] = ModelCard.CurrentFormat });
        return stream.ToArray();
    }

    // The flat parameter vector is stored as the named per-layer tensors PyTorch would write.
    private static void Split(MlpShape shape, Tensor parameters, List<SafeTensor> into)
    {
        foreach (var t in shape.Tensors)
            into.Add(new SafeTensor(t.Name, t.Rows == 1 && t.Name.EndsWith(".bias", StringComparison.Ordinal) ? [t.Cols] : [t.Rows, t.Cols],
                parameters.Data.Slice(t.Offset, t.Length).ToArray()));
    }

    private static Tensor Gather(SafeTensorsContent content, MlpShape shape, string where)
    {
        var parameters = Tensor.Vector(shape.ParameterCount);
        foreach (var t in shape.Tensors)
        {
            var stored = content.Tensors.FirstOrDefault(s => s.Name == t.Name)
                ?? throw new InvalidDataException($"{where}: tensor '{t.Name}' is missing");
            if (stored.Values.Length != t.Length)
                throw new InvalidDataException($"{where}: tensor '{t.Name}' has {stored.Values.Length} values, the architecture needs {t.Length}");
            stored.Values.CopyTo(parameters.Data.Slice(t.Offset, t.Length));
        }
        return parameters;
    }
}
