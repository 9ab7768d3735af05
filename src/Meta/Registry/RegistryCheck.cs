using OfflineSafety.Errors;

namespace OfflineSafety.Meta.Registry;

/// <summary>One problem <see cref="RegistryCheck"/> found: the object at fault and what is wrong with it.</summary>
/// <param name="Visible">Whether readers can see the version (a card exists); an incomplete publish never is.</param>
public sealed record RegistryFinding(string Key, string Problem, bool Visible);

/// <summary>
/// `models check`: every model version's card parses and its weights exist, parse and fit the
/// card's architecture; weights left by a publish that died before its card (the commit) are
/// listed as leftovers. Reads only; nothing is changed.
/// </summary>
public sealed class RegistryCheck(ModelRegistry registry)
{
    public async Task<IReadOnlyList<RegistryFinding>> RunAsync(CancellationToken ct = default)
    {
        var findings = new List<RegistryFinding>();
        foreach (var name in await registry.ListAllNamesAsync(ct).ConfigureAwait(false))
            foreach (int v in await registry.IncompleteVersionsAsync(name, ct).ConfigureAwait(false))
                findings.Add(new RegistryFinding(ModelRegistry.WeightsKey(name, v),
                    "weights without model.json: a publish that did not commit (never visible to readers)", Visible: false));

        var listing = await registry.ListAllAsync(ct).ConfigureAwait(false);
        foreach (var bad in listing.Unreadable) findings.Add(new RegistryFinding(bad.Key, bad.Reason, Visible: true));
        foreach (var card in listing.Cards)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                var reference = new ModelReference(card.Name, card.Version);
                if (card.IsPrior) await new Safer.SkillPriorStore(registry).LoadAsync(reference, ct).ConfigureAwait(false);
                else await registry.LoadAsync(reference, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidDataException or NotFoundException)
            {
                findings.Add(new RegistryFinding(ModelRegistry.WeightsKey(card.Name, card.Version), ex.Message, Visible: true));
            }
        }
        return findings.OrderBy(f => f.Key, StringComparer.Ordinal).ToList();
    }
}
