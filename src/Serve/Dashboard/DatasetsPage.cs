using Microsoft.AspNetCore.Http;
using OfflineSafety.Ingest.Datasets;

namespace OfflineSafety.Serve.Dashboard;

/// <summary>/ui/datasets: every dataset's latest version with its counts, and the upload form.</summary>
public sealed class DatasetsPage(DatasetStore store, UploadForm upload)
{
    public async Task<IResult> GetAsync(HttpContext context, CancellationToken ct)
    {
        var html = new Html();
        var names = await store.ListAsync(ct);
        if (names.Count == 0) html.Add($"<p>No datasets yet: upload a log below, or run <code>offsafe ingest</code>.</p>");
        else
        {
            html.Add($"<table id=\"datasets\"><tr><th>dataset</th><th>version</th><th>environment</th><th>obs / action dims</th><th>rows</th><th>episodes</th><th>unsafe fraction</th><th>variants (rows)</th></tr>");
            var inspection = new DatasetInspection(store);
            foreach (string name in names)
            {
                var s = await inspection.ShowAsync(new DatasetReference(name, null), ct);
                html.Add($"<tr><td><a href=\"/ui/datasets/{Show.Segment(name)}\">{name}</a></td><td class=\"n\">{s.Version.Version}</td><td>{s.Metadata.EnvId}</td>");
                html.Add($"<td>{s.Metadata.ObsDim} / {s.Metadata.ActionDim}</td><td class=\"n\">{s.Total.Rows}</td><td class=\"n\">{s.Total.Episodes}</td>");
                html.Add($"<td class=\"n\">{Show.Fraction(s.Total.Unsafe, s.Total.Rows)}</td><td>{string.Join(", ", s.ByVariant.Select(v => $"{v.Key} ({v.Rows})"))}</td></tr>");
            }
            html.Add($"</table>");
        }
        html.Add($"{upload.Render(context, new UploadForm.Fields())}");
        return Layout.Page("Datasets", html.ToMarkup());
    }
}
