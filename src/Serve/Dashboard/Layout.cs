using System.Text;
using Microsoft.AspNetCore.Http;

namespace OfflineSafety.Serve.Dashboard;

/// <summary>
/// The shared frame of every dashboard page: title, navigation, a little inline CSS, and an optional
/// meta refresh (the runs page while a run is active). Pages are served with a policy that allows no
/// script at all: the dashboard needs none, and an SVG or a name can then never run one.
/// </summary>
public static class Layout
{
    /// <summary>Our own inline CSS is the only style; images (the reports' SVG plots) come from this origin.</summary>
    public const string ContentSecurityPolicy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private const string Css = """
        body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222}
        header{background:#24324a;color:#fff;padding:.6em 1.2em}
        header a{color:#fff;margin-right:1.2em;text-decoration:none}
        header b{margin-right:2em}
        main{padding:1em 1.2em;max-width:80em}
        table{border-collapse:collapse;margin:.5em 0 1.2em}
        th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
        th{background:#f2f4f8}
        td.n{text-align:right;font-variant-numeric:tabular-nums}
        pre{background:#f6f6f6;padding:.6em;overflow:auto;max-height:24em}
        .error{background:#fde8e8;border:1px solid #e0a0a0;padding:.6em}
        .notice{background:#e8f6e8;border:1px solid #a0d0a0;padding:.6em}
        .state-running,.state-queued{color:#1d5fb4;font-weight:bold}
        .state-failed{color:#b42318;font-weight:bold}
        .state-succeeded{color:#207a3c}
        ul.lineage li{margin:.3em 0}
        form.upload label{display:block;margin:.3em 0}
        img.plot{max-width:46%;border:1px solid #ddd;margin:.3em}
        """;

    public static IResult Page(string title, Markup body, int status = StatusCodes.Status200OK, int? refreshSeconds = null) =>
        new HtmlResult(Render(title, body, refreshSeconds), status);

    /// <summary>A user error (bad input, unknown name, missing key) as a page with its one-line detail.</summary>
    public static IResult Error(int status, string detail) =>
        Page($"Error {status}", new Html().Add($"<p class=\"error\" id=\"error\">{detail}</p><p><a href=\"/\">Back to the overview</a></p>").ToMarkup(), status);

    private static string Render(string title, Markup body, int? refreshSeconds)
    {
        var page = new Html();
        page.Add($"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} - OfflineSafety</title>");
        if (refreshSeconds is { } s) page.Add($"<meta http-equiv=\"refresh\" content=\"{s}\">");
        page.Add($"<style>{new Markup(Css)}</style></head><body><header><b>OfflineSafety</b>");
        page.Add($"<a href=\"/\">Overview</a><a href=\"/ui/datasets\">Datasets</a><a href=\"/ui/models\">Models</a><a href=\"/ui/runs\">Runs</a><a href=\"/ui/reports\">Reports</a>");
        page.Add($"</header><main><h1>{title}</h1>{body}</main></body></html>");
        return page.ToString();
    }

    private sealed class HtmlResult(string html, int status) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.WriteAsync(html, Encoding.UTF8, context.RequestAborted);
        }
    }
}
