using System.Globalization;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Plans;

/// <summary>
/// Starts plan runs when they are due: queued runs (`plans run`, the service, the
/// training-requests topic), cron fire times, and new dataset versions once the debounce has
/// passed. Every replica sharing a store may run one; a run's id is derived from what fired it, so
/// replicas that see the same event queue one run, and the plan's lease lets one of them run it.
/// Time comes from the <see cref="TimeProvider"/>, so tests drive it without sleeping.
/// </summary>
public sealed class PlanScheduler
{
    private readonly IObjectStore objects;
    private readonly TimeProvider time;
    private readonly SchedulerSettings settings;
    private readonly PlanRunner runner;
    private readonly RunStore runs;
    private readonly Action<string> log;
    private readonly DateTimeOffset startedUtc;
    private readonly Dictionary<string, PlanWatch> watches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task<TrainingRun?>> active = new(StringComparer.Ordinal);

    public PlanScheduler(IObjectStore objects, TimeProvider time, string worker, SchedulerSettings settings, Action<string>? log = null)
    {
        this.objects = objects;
        this.time = time;
        this.settings = settings;
        this.log = log ?? (_ => { });
        runner = new PlanRunner(objects, time, worker, settings.Runner);
        runs = new RunStore(objects);
        startedUtc = time.GetUtcNow();
    }

    /// <summary>Looks at every plan once and starts what is due; returns the runs started (each ends in its task).</summary>
    public async Task<IReadOnlyList<Task<TrainingRun?>>> TickAsync(CancellationToken ct = default)
    {
        var started = new List<Task<TrainingRun?>>();
        foreach (var plan in await new PlanStore(objects).ListAsync(ct).ConfigureAwait(false))
        {
            if (active.TryGetValue(plan.Name, out var running) && !running.IsCompleted) continue;
            active.Remove(plan.Name);
            foreach (var dead in await runner.ReapAsync(plan.Name, ct).ConfigureAwait(false))
                log($"{dead.Id}: failed: {dead.Reason}");
            string? runId = await DueRunAsync(plan, ct).ConfigureAwait(false);
            if (runId is null) continue;
            var task = Task.Run(() => RunAsync(plan, runId, ct), ct);
            active[plan.Name] = task;
            started.Add(task);
        }
        return started;
    }

    /// <summary>Ticks every poll interval until cancelled, then waits for the runs it started.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try { await TickAsync(ct).ConfigureAwait(false); }
                catch (Exception e) when (e is IOException or InvalidDataException or Errors.UserError)
                {
                    log($"scheduler: {e.Message}");
                }
                await Task.Delay(settings.PollInterval, time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        try { await Task.WhenAll(active.Values).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
    }

    private async Task<TrainingRun?> RunAsync(TrainingPlan plan, string runId, CancellationToken ct)
    {
        var run = await runner.TryRunAsync(plan, runId, ct: ct).ConfigureAwait(false);
        if (run is null) log($"{runId}: waiting, another worker holds plan '{plan.Name}'");
        else log($"{run.Id}: {run.State.ToString().ToLowerInvariant()}{(run.Reason is null ? "" : $": {run.Reason}")}{(run.PublishedModel is null ? "" : $" -> {run.PublishedModel}")}");
        return run;
    }

    private async Task<string?> DueRunAsync(TrainingPlan plan, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (!watches.TryGetValue(plan.Name, out var watch))
            watches[plan.Name] = watch = new PlanWatch { CronCheckedUtc = plan.CreatedUtc > startedUtc ? plan.CreatedUtc : startedUtc };

        var queued = (await runs.ListAsync(plan.Name, ct).ConfigureAwait(false)).FirstOrDefault(r => r.State == RunState.Queued);
        if (queued is not null) return queued.Id;

        if (plan.Triggers.Cron is { } cron && CronSchedule.Parse(cron).NextAfter(watch.CronCheckedUtc) is { } fire && fire <= now)
        {
            // Fire times missed while no scheduler ran collapse into one run.
            watch.CronCheckedUtc = now;
            string id = RunStore.NewId(plan.Name, fire, "cron");
            await runner.QueueAsync(plan, RunTrigger.Cron, id, ct: ct).ConfigureAwait(false);
            return id;
        }

        if (plan.Triggers.OnNewData)
        {
            var newest = await new DatasetStore(objects).ResolveAsync(DatasetReference.Parse(plan.Training.Dataset), ct).ConfigureAwait(false);
            var trained = await runner.LastTrainedVersionAsync(plan, ct).ConfigureAwait(false);
            if (trained is { } t && newest.Version <= t.Version)
            {
                watch.NewDataSinceUtc = null;
                return null;
            }
            watch.NewDataSinceUtc ??= now;
            var debounce = plan.Triggers.Debounce;
            bool settled = now >= watch.NewDataSinceUtc + debounce;
            bool rested = watch.LastDataRunUtc is not { } last || now >= last + debounce;
            if (!settled || !rested) return null;
            watch.NewDataSinceUtc = null;
            watch.LastDataRunUtc = now;
            // One run per dataset version: a failed one is not retried until a newer version arrives.
            string id = RunStore.NewId(plan.Name, newest.Timestamp, $"data-v{newest.Version.ToString(CultureInfo.InvariantCulture)}");
            await runner.QueueAsync(plan, RunTrigger.NewData, id, ct: ct).ConfigureAwait(false);
            return id;
        }
        return null;
    }

    /// <summary>What this scheduler remembers about one plan between ticks.</summary>
    private sealed class PlanWatch
    {
        public DateTimeOffset CronCheckedUtc { get; set; }
        public DateTimeOffset? NewDataSinceUtc { get; set; }
        public DateTimeOffset? LastDataRunUtc { get; set; }
    }
}
