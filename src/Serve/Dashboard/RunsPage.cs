using Microsoft.AspNetCore.Http;
using OfflineSafety.Meta.Plans;

namespace OfflineSafety.Serve.Dashboard;

/// <summary>
/// /ui/runs: training plans and their runs, newest first, with a running job's progress (step of
/// total, loss, ETA) and log tail as its worker last saved them. While a run is queued or running
/// the page reloads itself every <see cref="RefreshSeconds"/> seconds.
/// </summary>
public sealed class RunsPage(PlanStore plans, RunStore runs)
{
    public const int RefreshSeconds = 5;

    public async Task<IResult> GetAsync(CancellationToken ct)
    {
        var planList = await plans.ListAsync(ct);
        var all = new List<TrainingRun>();
        foreach (var plan in planList) all.AddRange(await runs.ListAsync(plan.Name, ct));
        all.Sort((a, b) => b.QueuedUtc.CompareTo(a.QueuedUtc));
        bool active = all.Any(r => r.State is RunState.Queued or RunState.Running);

        var html = new Html();
        html.Add($"<h2>Plans</h2>");
        if (planList.Count == 0) html.Add($"<p>No training plans: add one with <code>offsafe plans add</code> or POST /v1/plans.</p>");
        else
        {
            html.Add($"<table id=\"plans\"><tr><th>plan</th><th>dataset</th><th>algorithm</th><th>model</th><th>cron (UTC)</th><th>on new data</th><th>evaluation</th></tr>");
            foreach (var p in planList)
            {
                html.Add($"<tr><td>{p.Name}</td><td><a href=\"/ui/datasets/{Show.Segment(p.Training.Dataset)}\">{p.Training.Dataset}</a></td><td>{p.Training.Algorithm}</td>");
                html.Add($"<td>{p.Training.Model}</td><td>{p.Triggers.Cron ?? ""}</td><td>{(p.Triggers.OnNewData ? $"yes, debounce {Show.Duration(p.Triggers.Debounce.TotalSeconds)}" : "no")}</td><td>{p.EvaluationDataset ?? ""}</td></tr>");
            }
            html.Add($"</table>");
        }
        html.Add($"<h2>Runs</h2>");
        if (active) html.Add($"<p>A run is active: this page refreshes every {RefreshSeconds} s.</p>");
        if (all.Count == 0) html.Add($"<p>No runs yet.</p>");
        else
        {
            html.Add($"<table id=\"runs\"><tr><th>run</th><th>state</th><th>trigger</th><th>queued / started / ended</th><th>dataset</th><th>progress</th><th>loss</th><th>ETA</th><th>model</th><th>reason</th></tr>");
            foreach (var r in all) Row(html, r);
            html.Add($"</table>");
        }
        return Layout.Page("Runs", html.ToMarkup(), refreshSeconds: active ? RefreshSeconds : null);
    }

    private static void Row(Html html, TrainingRun r)
    {
        string state = r.State.ToString().ToLowerInvariant();
        html.Add($"<tr data-run=\"{r.Id}\"><td>{r.Id}</td><td class=\"state-{state}\">{state}</td><td>{r.Trigger.ToString().ToLowerInvariant()}</td>");
        html.Add($"<td>{Show.Time(r.QueuedUtc)}<br>{Show.Time(r.StartedUtc)}<br>{Show.Time(r.EndedUtc)}</td><td>{r.Dataset?.ToString() ?? ""}</td>");
        if (r.Progress is { } p)
        {
            html.Add($"<td class=\"progress\"><progress value=\"{p.Step}\" max=\"{Math.Max(1, p.TotalSteps)}\"></progress> step {p.Step} / {p.TotalSteps}</td>");
            html.Add($"<td class=\"n loss\">{Show.Number(p.Loss)}</td><td class=\"eta\">{Show.Duration(p.EtaSeconds)}</td>");
        }
        else html.Add($"<td></td><td></td><td></td>");
        html.Add($"<td>{r.PublishedModel ?? ""}{(r.Candidate ? " (candidate)" : "")}</td><td>{r.Reason ?? ""}</td></tr>");
        if (r.LogTail.Count > 0 || r.Metrics.Count > 0)
        {
            html.Add($"<tr><td colspan=\"10\"><details{new Markup(r.State == RunState.Running ? " open" : "")}><summary>log tail and metrics of {r.Id}</summary>");
            if (r.Metrics.Count > 0)
                html.Add($"<p>{string.Join(", ", r.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key} {Show.Number(m.Value)}"))}</p>");
            html.Add($"<pre class=\"log\">{string.Join('\n', r.LogTail)}</pre></details></td></tr>");
        }
    }
}
