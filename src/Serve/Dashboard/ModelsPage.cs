using Microsoft.AspNetCore.Http;
using OfflineSafety.Meta.Registry;

namespace OfflineSafety.Serve.Dashboard;

/// <summary>
/// /ui/models: the registry as lineage trees, dataset@version -> trained model -> the critics adapted
/// from it (and from those), each with its algorithm, time and metrics.
/// </summary>
public sealed class ModelsPage(ModelRegistry registry)
{
    public async Task<IResult> GetAsync(CancellationToken ct)
    {
        var listing = await registry.ListAllAsync(ct);
        var references = listing.Cards.Select(c => c.Reference).ToHashSet(StringComparer.Ordinal);
        var children = listing.Cards.Where(c => c.Lineage.BaseModel is not null).ToLookup(c => c.Lineage.BaseModel!, StringComparer.Ordinal);
        // A model whose base is gone from the registry still shows, as a root that names its base.
        var roots = listing.Cards.Where(c => c.Lineage.BaseModel is null || !references.Contains(c.Lineage.BaseModel)).ToList();
        var html = new Html();
        if (listing.Cards.Count == 0) html.Add($"<p>No models yet: run <code>offsafe meta-train</code> or a training plan.</p>");
        html.Add($"<ul class=\"lineage\" id=\"lineage\">");
        foreach (var root in roots) Node(html, root, children, depth: 0);
        html.Add($"</ul>");
        if (listing.Unreadable.Count > 0)
        {
            html.Add($"<h2>Unreadable cards</h2><ul>");
            foreach (var u in listing.Unreadable) html.Add($"<li>{u.Key}: {u.Reason}</li>");
            html.Add($"</ul>");
        }
        return Layout.Page("Models", html.ToMarkup());
    }

    private static void Node(Html html, ModelCard card, ILookup<string, ModelCard> children, int depth)
    {
        var data = card.Lineage.Dataset;
        Markup dataset = data.Name == "inline"
            ? new Html().Add($"{data}").ToMarkup()
            : new Html().Add($"<a href=\"/ui/datasets/{Show.Segment(data.Name)}\">{data}</a>").ToMarkup();
        string role = card.Lineage.BaseModel is null ? "trained on" : "adapted on";
        html.Add($"<li data-model=\"{card.Reference}\">");
        if (card.Lineage.BaseModel is null) html.Add($"{dataset} ");
        html.Add($"&rarr; ");
        html.Add($"<b>{card.Reference}</b> ({card.Algorithm}, {role} {dataset}, {Show.Time(card.CreatedUtc)})");
        if (depth == 0 && card.Lineage.BaseModel is { } missing) html.Add($" adapted from {missing} (no longer in the registry)");
        if (card.Metrics.Count > 0)
            html.Add($" <small>{string.Join(", ", card.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key} {Show.Number(m.Value)}"))}</small>");
        // Registry cards form a tree by construction (a base exists before its adaptations), so recursion ends.
        var kids = children[card.Reference].ToList();
        if (kids.Count > 0)
        {
            html.Add($"<ul>");
            foreach (var kid in kids) Node(html, kid, children, depth + 1);
            html.Add($"</ul>");
        }
        html.Add($"</li>");
    }
}
