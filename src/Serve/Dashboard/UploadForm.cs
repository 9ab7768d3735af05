using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using OfflineSafety.Envs;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Serve.Datasets;
using OfflineSafety.Serve.Http;

namespace OfflineSafety.Serve.Dashboard;

/// <summary>
/// The upload form and its POST: a multipart form (dataset, log file, env, variant, source, format,
/// and the API key as a field when the service has one) run through the same <see cref="DatasetUploads"/>
/// as POST /v1/datasets/{name}/uploads. Success redirects to the dataset's page (303, so a reload
/// does not post again); a user error shows the form again with the error's one-line detail.
/// The form carries an antiforgery token (ASP.NET Core's, paired with a SameSite=Strict cookie set
/// when the form is rendered): a page on another site can make a browser post here, with the
/// browser's cookies, but cannot read the token, so its post is refused before the file is looked at.
/// </summary>
public sealed class UploadForm(ServeSettings settings, DatasetUploads uploads, ApiKeyCheck apiKey, IAntiforgery antiforgery)
{
    public const string Route = "/ui/uploads";

    /// <summary>The values a form was filled with, so a refused upload shows them again.</summary>
    public sealed record Fields(string Dataset = "", string Env = "", string Variant = "", string Source = "", string Format = "auto");

    /// <summary>The form, with a fresh antiforgery token for <paramref name="context"/> (its cookie goes out with the page).</summary>
    public Markup Render(HttpContext context, Fields fields, string? error = null)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = new Html();
        html.Add($"<h2>Upload a log</h2>");
        if (error is not null) html.Add($"<p class=\"error\" id=\"error\">{error}</p>");
        html.Add($"<form class=\"upload\" method=\"post\" action=\"{Route}\" enctype=\"multipart/form-data\">");
        html.Add($"<input type=\"hidden\" name=\"{tokens.FormFieldName}\" value=\"{tokens.RequestToken}\">");
        html.Add($"<label>Dataset <input name=\"dataset\" required value=\"{fields.Dataset}\"></label>");
        html.Add($"<label>Log file (CSV, JSONL, Parquet, HDF5) <input type=\"file\" name=\"file\" required></label>");
        html.Add($"<label>Environment, to create a new dataset <select name=\"env\"><option value=\"\">(existing dataset)</option>");
        foreach (var env in EnvironmentRegistry.Default.All)
            html.Add($"<option{Selected(env.Id == fields.Env)}>{env.Id}</option>");
        html.Add($"</select></label>");
        html.Add($"<label>Variant <input name=\"variant\" value=\"{fields.Variant}\" placeholder=\"b1=2.0,b2=2.0\"></label>");
        html.Add($"<label>Source <input name=\"source\" value=\"{fields.Source}\" placeholder=\"upload\"></label>");
        html.Add($"<label>Format <select name=\"format\">");
        foreach (string f in (string[])["auto", "csv", "jsonl", "parquet", "hdf5"])
            html.Add($"<option{Selected(f == fields.Format)}>{f}</option>");
        html.Add($"</select></label>");
        if (apiKey.IsConfigured) html.Add($"<label>API key <input type=\"password\" name=\"api_key\" required autocomplete=\"off\"></label>");
        html.Add($"<button type=\"submit\">Upload</button></form>");
        return html.ToMarkup();
    }

    public async Task<IResult> PostAsync(HttpContext context, CancellationToken ct)
    {
        if (!context.Request.HasFormContentType)
            return Layout.Error(StatusCodes.Status415UnsupportedMediaType, $"Content-Type '{context.Request.ContentType}' is not a form; post multipart/form-data");
        // The form's fields and overhead on top of the log itself; the file is then held to the upload limit.
        RequestBodies.Limit(context, settings.MaxUploadBytes + (1 << 20));
        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = settings.MaxUploadBytes }, ct);
        }
        catch (InvalidDataException ex)
        {
            // The form reader's verdict on the body (a part over the limit, a broken multipart body).
            return Layout.Error(StatusCodes.Status400BadRequest, $"the form could not be read: {ex.Message}");
        }
        // The form is read (and cached) with our limits first; the token check reads its field from it.
        // A post without a valid token is not the dashboard's own form: refused as a problem, nothing read further.
        try
        {
            await antiforgery.ValidateRequestAsync(context);
        }
        catch (AntiforgeryValidationException ex)
        {
            return Problems.Result(StatusCodes.Status400BadRequest,
                $"the upload form's antiforgery token is missing or invalid ({ex.Message}); load the form from this service and post it again");
        }
        var fields = new Fields(form["dataset"].ToString().Trim(), form["env"].ToString(), form["variant"].ToString().Trim(),
            form["source"].ToString().Trim(), form["format"] is { Count: 1 } f && f[0] is { Length: > 0 } format ? format : "auto");
        if (apiKey.Refusal(form["api_key"].ToString(), "the form's API key field") is { } refusal)
            return Refused(context, StatusCodes.Status401Unauthorized, fields, refusal);
        try
        {
            var file = form.Files["file"];
            if (file is null || file.Length == 0) throw new BadInputException("file: choose a non-empty log file to upload");
            // "auto" leaves the format to the content (Parquet or HDF5 magic, a JSON object, else CSV).
            var upload = new LogUpload(fields.Dataset, LogFormats.Parse(fields.Format), FieldMap.Parse(null),
                Variant: NullIfEmpty(fields.Variant), Source: NullIfEmpty(fields.Source), CreateWithEnv: NullIfEmpty(fields.Env));
            var outcome = await uploads.IngestAsync(upload, async (path, token) =>
            {
                await using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                await file.CopyToAsync(target, token);
            }, ct);
            string query = outcome.Committed ? $"uploaded={outcome.Version.Version}" : $"unchanged={outcome.Version.Version}";
            return new SeeOther($"/ui/datasets/{Show.Segment(outcome.Version.Name)}?{query}");
        }
        catch (Exception ex) when (ErrorsAndTiming.Classify(ex) is { Status: < 500 } answer)
        {
            return Refused(context, answer.Status, fields, answer.Detail);
        }
    }

    private IResult Refused(HttpContext context, int status, Fields fields, string detail) =>
        Layout.Page("Upload refused", Render(context, fields, Problems.OneLine(detail)), status);

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    private static Markup Selected(bool selected) => new(selected ? " selected" : "");

    /// <summary>303: the browser follows with a GET, so reloading the dataset page never posts the log again.</summary>
    private sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = StatusCodes.Status303SeeOther;
            context.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
