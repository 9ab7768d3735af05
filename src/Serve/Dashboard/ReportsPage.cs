using System.Text;
using Microsoft.AspNetCore.Http;

namespace OfflineSafety.Serve.Dashboard;

/// <summary>
/// /ui/reports: every experiment report, newest first, with its README and its SVG plots; and
/// /ui/reports/{id}/{file}, the report's files as they are stored.
/// </summary>
public sealed class ReportsPage(ExperimentReports reports)
{
    /// <summary>Report files show in &lt;img&gt; (where an SVG's scripts never run) or open on their own under a policy that allows none.</summary>
    private const string FilePolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

    public async Task<IResult> GetAsync(CancellationToken ct)
    {
        var list = await reports.ListAsync(ct);
        var html = new Html();
        if (list.Count == 0)
            html.Add($"<p>No experiment reports yet: <code>offsafe experiment critics|mesa|recovery</code> writes them into the store's {ExperimentReports.Prefix} folder.</p>");
        foreach (var report in list)
        {
            string id = report.Id;
            html.Add($"<section class=\"report\" id=\"report-{id}\"><h2>{id}</h2><p>written {Show.Time(report.Written)}; files: ");
            html.Add($"{new Markup(string.Join(", ", report.Files.Select(f => new Html().Add($"<a href=\"{FileHref(id, f)}\">{f}</a>").ToString())))}</p>");
            if (report.Files.Contains("README.md"))
            {
                string readme = Encoding.UTF8.GetString(await reports.ReadAsync(id, "README.md", ct));
                html.Add($"<pre>{readme}</pre>");
            }
            foreach (string plot in report.Plots)
                html.Add($"<img class=\"plot\" src=\"{FileHref(id, plot)}\" alt=\"{plot}\">");
            html.Add($"</section>");
        }
        return Layout.Page("Experiment reports", html.ToMarkup());
    }

    public async Task<IResult> FileAsync(HttpContext context, string id, string file, CancellationToken ct)
    {
        var bytes = await reports.ReadAsync(id, file, ct);
        context.Response.Headers.ContentSecurityPolicy = FilePolicy;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Bytes(bytes, MediaTypeOf(file));
    }

    private static string FileHref(string id, string file) => $"/ui/reports/{Show.Segment(id)}/{Show.Segment(file)}";

    private static string MediaTypeOf(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".svg" => "image/svg+xml",
        ".md" or ".txt" => "text/plain; charset=utf-8",
        ".json" => "application/json",
        ".csv" => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    };
}
