using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Serve.Datasets;
using OfflineSafety.Serve.Events;
using OfflineSafety.Serve.Http;
using OfflineSafety.Serve.Models;
using OfflineSafety.Serve.Plans;
using OfflineSafety.Serve.Sidecar;
using OfflineSafety.Storage;

namespace OfflineSafety.Serve;

/// <summary>
/// Builds the critic service: Kestrel on the given URLs, the /v1 endpoints, health and metrics.
/// The store is reached only through DatasetStore, DatasetIngest, ModelRegistry and the Meta jobs.
/// </summary>
public static class ServeApp
{
    public static WebApplication Build(ServeSettings settings, IReadOnlyList<string> urls, LogLevel logLevel = LogLevel.Warning)
    {
        settings.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(logLevel);
        // Per-request framework lines would drown the service's own; /metrics counts requests.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.UseUrls([.. urls]);
        builder.WebHost.ConfigureKestrel(k =>
        {
            // The largest body any endpoint takes; each endpoint lowers it to its own limit.
            k.Limits.MaxRequestBodySize = Math.Max(settings.MaxUploadBytes, settings.MaxJsonBytes);
            k.AddServerHeader = false;
        });
        var metrics = new ServiceMetrics();
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton(settings.Time);
        // The dashboard's upload form is the one write a browser makes with its ambient state; its
        // token pairs with this cookie (SameSite=Strict, HttpOnly). API clients post to /v1 with their key.
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "offsafe.antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.FormFieldName = "__offsafe_antiforgery";
        });
        var app = builder.Build();

        IObjectStore objects = StoreLocation.Open(settings.Store);
        Directory.CreateDirectory(settings.SpoolFolder);
        var datasets = new DatasetStore(objects);
        var registry = new ModelRegistry(objects);
        var apiKey = new ApiKeyCheck(settings.ApiKey);
        var critics = new CriticCache(registry, settings, metrics);
        var shared = SharedServices.Open(app, settings);
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OfflineSafety.Serve");
        var uploads = new DatasetUploads(datasets, settings, shared, log);
        var adaptations = new CriticAdaptations(objects, settings, metrics, shared, log);

        app.UseMiddleware<ErrorsAndTiming>();
        DatasetEndpoints.Map(app, settings, uploads, apiKey);
        EventEndpoints.Map(app, settings, uploads, objects, apiKey);
        ModelEndpoints.Map(app, settings, registry, critics, adaptations, apiKey);
        PlanEndpoints.Map(app, settings, objects, apiKey);
        Dashboard.DashboardEndpoints.Map(app, settings, objects, datasets, registry, uploads, apiKey);
        app.MapGet("/healthz", () => Results.Json(new { status = "ok" }, ServeJson.Options));
        app.MapGet("/readyz", async (CancellationToken ct) =>
        {
            // Ready when the store answers a listing: the first thing every endpoint needs.
            try
            {
                await datasets.ListAsync(ct);
                return Results.Json(new { status = "ready" }, ServeJson.Options);
            }
            catch (IOException ex)
            {
                return Problems.Result(503, $"store '{settings.Store}' is not readable: {ex.Message}");
            }
        });
        app.MapGet("/metrics", () => Results.Text(metrics.ToPrometheusText(), "text/plain; version=0.0.4; charset=utf-8"));
        return app;
    }
}
