using Microsoft.AspNetCore.Http;
using OfflineSafety.Ingest.Datasets;

namespace OfflineSafety.Serve.Dashboard;

/// <summary>/ui/datasets/{name}: the latest version's counts by variant and source, every version, and the upload form for this dataset.</summary>
public sealed class DatasetPage(DatasetStore store, UploadForm upload)
{
    /// <param name="uploaded">The version an upload through the form just made (the redirect says so).</param>
    /// <param name="unchanged">The version that already held an uploaded file's content.</param>
    public async Task<IResult> GetAsync(HttpContext context, string name, long? uploaded, long? unchanged, CancellationToken ct)
    {
        DatasetNames.Validate(name);
        var inspection = new DatasetInspection(store);
        var history = await inspection.HistoryAsync(name, ct);
        var s = await inspection.ShowAsync(new DatasetReference(name, null), ct);
        var html = new Html();
        if (uploaded is { } v) html.Add($"<p class=\"notice\" id=\"notice\">Uploaded: {name}@{v} is the new version.</p>");
        if (unchanged is { } u) html.Add($"<p class=\"notice\" id=\"notice\">Nothing new: {name}@{u} already holds this file's content.</p>");
        html.Add($"<p>Version <b id=\"version\">{s.Version.Version}</b> of {Show.Time(s.Version.Timestamp)}, environment {s.Metadata.EnvId}, ");
        html.Add($"obs {s.Metadata.ObsDim} / action {s.Metadata.ActionDim} dims, {s.Files} files, {Show.Bytes(s.SizeBytes)}, table {s.Version.TableId}.</p>");
        html.Add($"<h2>Rows</h2><table id=\"stats\"><tr><th>group</th><th>rows</th><th>episodes</th><th>unsafe</th><th>unsafe fraction</th></tr>");
        foreach (var (label, group) in new[] { ("all", s.Total) }.Concat(s.ByVariant.Select(g => ("variant " + g.Key, g))).Concat(s.BySource.Select(g => ("source " + g.Key, g))))
            html.Add($"<tr><td>{label}</td><td class=\"n\">{group.Rows}</td><td class=\"n\">{group.Episodes}</td><td class=\"n\">{group.Unsafe}</td><td class=\"n\">{Show.Fraction(group.Unsafe, group.Rows)}</td></tr>");
        html.Add($"</table><h2>History</h2><table id=\"history\"><tr><th>version</th><th>time</th><th>operation</th><th>parameters</th><th>metrics</th><th>files +/-</th><th>tags</th></tr>");
        foreach (var h in history.Reverse())
        {
            html.Add($"<tr id=\"v{h.Version}\"><td class=\"n\">{h.Version}</td><td>{Show.Time(h.Timestamp)}</td><td>{h.Operation}</td>");
            html.Add($"<td><small>{Pairs(h.Parameters)}</small></td><td>{Pairs(h.Metrics)}</td><td>+{h.FilesAdded} / -{h.FilesRemoved}</td><td>{string.Join(", ", h.Tags)}</td></tr>");
        }
        html.Add($"</table>{upload.Render(context, new UploadForm.Fields(Dataset: name))}");
        return Layout.Page($"Dataset {name}", html.ToMarkup());
    }

    /// <summary>Content hashes are for the ingest's duplicate check, not for reading; `datasets history` shows them.</summary>
    private static string Pairs(IReadOnlyDictionary<string, string> pairs) =>
        string.Join(", ", pairs.Where(kv => kv.Key != "fileHashes").OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}
