using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OfflineSafety.Ingest.Datasets;
using Microsoft.Extensions.DependencyInjection;
using OfflineSafety.Meta.Plans;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Serve.Datasets;
using OfflineSafety.Serve.Http;
using OfflineSafety.Storage;

namespace OfflineSafety.Serve.Dashboard;

/// <summary>
/// The dashboard: server-rendered pages at / and /ui/... over the same stores as the API, and the
/// upload form's POST. A user error (unknown dataset, bad name, bad upload) is a page with its
/// one-line detail and the error's status; anything else is left to <see cref="ErrorsAndTiming"/>.
/// </summary>
public static class DashboardEndpoints
{
    public static void Map(IEndpointRouteBuilder app, ServeSettings settings, IObjectStore objects, DatasetStore datasets, ModelRegistry registry, DatasetUploads uploads, ApiKeyCheck apiKey)
    {
        var upload = new UploadForm(settings, uploads, apiKey, app.ServiceProvider.GetRequiredService<IAntiforgery>());
        var plans = new PlanStore(objects);
        var runs = new RunStore(objects);
        var reports = new ExperimentReports(objects);
        var overview = new OverviewPage(datasets, registry, plans, runs, reports);
        var datasetsPage = new DatasetsPage(datasets, upload);
        var datasetPage = new DatasetPage(datasets, upload);
        var modelsPage = new ModelsPage(registry);
        var runsPage = new RunsPage(plans, runs);
        var reportsPage = new ReportsPage(reports);

        app.MapGet("/", (CancellationToken ct) => Guarded(() => overview.GetAsync(ct)));
        app.MapGet("/ui/datasets", (HttpContext context, CancellationToken ct) => Guarded(() => datasetsPage.GetAsync(context, ct)));
        app.MapGet("/ui/datasets/{name}", (HttpContext context, string name, long? uploaded, long? unchanged, CancellationToken ct) =>
            Guarded(() => datasetPage.GetAsync(context, name, uploaded, unchanged, ct)));
        app.MapPost(UploadForm.Route, (HttpContext context, CancellationToken ct) => Guarded(() => upload.PostAsync(context, ct)));
        app.MapGet("/ui/models", (CancellationToken ct) => Guarded(() => modelsPage.GetAsync(ct)));
        app.MapGet("/ui/runs", (CancellationToken ct) => Guarded(() => runsPage.GetAsync(ct)));
        app.MapGet("/ui/reports", (CancellationToken ct) => Guarded(() => reportsPage.GetAsync(ct)));
        app.MapGet("/ui/reports/{id}/{file}", (HttpContext context, string id, string file, CancellationToken ct) =>
            Guarded(() => reportsPage.FileAsync(context, id, file, ct)));
    }

    private static async Task<IResult> Guarded(Func<Task<IResult>> page)
    {
        try
        {
            return await page();
        }
        catch (Exception ex) when (ErrorsAndTiming.Classify(ex) is { Status: < 500 } answer)
        {
            return Layout.Error(answer.Status, Problems.OneLine(answer.Detail));
        }
    }
}
