using Microsoft.AspNetCore.Http;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Meta.Plans;
using OfflineSafety.Meta.Registry;

namespace OfflineSafety.Serve.Dashboard;

/// <summary>/: what the store holds, in counts that link to each page, and the runs active now.</summary>
public sealed class OverviewPage(DatasetStore datasets, ModelRegistry registry, PlanStore plans, RunStore runs, ExperimentReports reports)
{
    public async Task<IResult> GetAsync(CancellationToken ct)
    {
        var datasetNames = await datasets.ListAsync(ct);
        var models = await registry.ListAllAsync(ct);
        var planList = await plans.ListAsync(ct);
        var active = new List<TrainingRun>();
        foreach (var plan in planList)
            active.AddRange((await runs.ListAsync(plan.Name, ct)).Where(r => r.State is RunState.Queued or RunState.Running));
        var reportList = await reports.ListAsync(ct);

        var html = new Html();
        html.Add($"<ul id=\"overview\">");
        html.Add($"<li><a href=\"/ui/datasets\">{datasetNames.Count} datasets</a>: {string.Join(", ", datasetNames)}</li>");
        html.Add($"<li><a href=\"/ui/models\">{models.Cards.Count} model versions</a> of {models.Cards.Select(c => c.Name).Distinct().Count()} models</li>");
        html.Add($"<li><a href=\"/ui/runs\">{planList.Count} training plans, {active.Count} runs queued or running</a></li>");
        html.Add($"<li><a href=\"/ui/reports\">{reportList.Count} experiment reports</a></li></ul>");
        foreach (var r in active)
        {
            string progress = r.Progress is { } p ? $": step {p.Step} / {p.TotalSteps}, loss {Show.Number(p.Loss)}, ETA {Show.Duration(p.EtaSeconds)}" : "";
            html.Add($"<p>{r.Id} is {r.State.ToString().ToLowerInvariant()}{progress}</p>");
        }
        html.Add($"<p>The API is under <code>/v1</code> (docs/serve.md); health at <a href=\"/healthz\">/healthz</a>, metrics at <a href=\"/metrics\">/metrics</a>.</p>");
        return Layout.Page("Overview", html.ToMarkup(), refreshSeconds: active.Count > 0 ? RunsPage.RefreshSeconds : null);
    }
}
