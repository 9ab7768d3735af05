using System.Globalization;
using OfflineSafety.Errors;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Plans;

/// <summary>
/// Run history: plans/&lt;plan&gt;/runs/&lt;stamp&gt;.json, one object per run, rewritten by the worker
/// that holds the plan's lease. A cancel request is a separate marker object so that it never races
/// the worker's own writes.
/// </summary>
public sealed class RunStore(IObjectStore objects)
{
    public static string RunKey(string runId)
    {
        var (plan, stamp) = Split(runId);
        return $"{PlanStore.Prefix}{plan}/runs/{stamp}.json";
    }

    private static string CancelKey(string runId)
    {
        var (plan, stamp) = Split(runId);
        return $"{PlanStore.Prefix}{plan}/runs/{stamp}.cancel";
    }

    /// <summary>
    /// A run id "PLAN/yyyyMMdd-HHmmss-SUFFIX". Scheduled runs use a suffix derived from what fired
    /// them (the cron time, the dataset version), so two schedulers that see the same event make the
    /// same id and only one of them can create it.
    /// </summary>
    public static string NewId(string plan, DateTimeOffset at, string suffix) =>
        $"{plan}/{at.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{suffix}";

    /// <summary>Stores a new run; false when a run with this id exists already.</summary>
    public Task<bool> CreateAsync(TrainingRun run, CancellationToken ct = default) =>
        objects.CreateIfAbsentAsync(RunKey(run.Id), PlanJson.Serialize(run), ct);

    /// <summary>
    /// Stores <paramref name="run"/> unless a run was already stored for <paramref name="requestKey"/>
    /// (an event id delivered again): then that run is the answer and nothing is written. The key's
    /// marker, plans/&lt;plan&gt;/requests/&lt;sha256&gt;, names the run and is created before it, so
    /// a crash between the two is repaired by the next delivery.
    /// </summary>
    public async Task<(TrainingRun Run, bool Created)> CreateOnceAsync(TrainingRun run, string requestKey, CancellationToken ct = default)
    {
        string marker = $"{PlanStore.Prefix}{run.Plan}/requests/{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(requestKey)))}";
        string id = run.Id;
        if (!await objects.CreateIfAbsentAsync(marker, System.Text.Encoding.UTF8.GetBytes(run.Id), ct).ConfigureAwait(false))
        {
            id = System.Text.Encoding.UTF8.GetString(await objects.ReadAsync(marker, ct).ConfigureAwait(false));
            if (await objects.TryReadAsync(RunKey(id), ct).ConfigureAwait(false) is { } bytes)
                return (PlanJson.Deserialize<TrainingRun>(bytes, objects.Location, RunKey(id)), false);
        }
        var stored = run with { Id = id };
        if (await CreateAsync(stored, ct).ConfigureAwait(false)) return (stored, true);
        return (await GetAsync(id, ct).ConfigureAwait(false), false);
    }

    public Task SaveAsync(TrainingRun run, CancellationToken ct = default) =>
        objects.WriteAsync(RunKey(run.Id), PlanJson.Serialize(run), ct);

    public async Task<TrainingRun> GetAsync(string runId, CancellationToken ct = default)
    {
        string key = RunKey(runId);
        var bytes = await objects.TryReadAsync(key, ct).ConfigureAwait(false)
            ?? throw new NotFoundException($"run '{runId}' not found in store '{objects.Location}'");
        return PlanJson.Deserialize<TrainingRun>(bytes, objects.Location, key);
    }

    /// <summary>The plan's runs, oldest first.</summary>
    public async Task<IReadOnlyList<TrainingRun>> ListAsync(string plan, CancellationToken ct = default)
    {
        PlanStore.ValidateName(plan);
        var runs = new List<TrainingRun>();
        await foreach (var info in objects.ListAsync($"{PlanStore.Prefix}{plan}/runs/", ct).ConfigureAwait(false))
        {
            if (!info.Key.EndsWith(".json", StringComparison.Ordinal)) continue;
            if (await objects.TryReadAsync(info.Key, ct).ConfigureAwait(false) is { } bytes)
                runs.Add(PlanJson.Deserialize<TrainingRun>(bytes, objects.Location, info.Key));
        }
        runs.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return runs;
    }

    /// <summary>
    /// Asks for a run to stop: a queued run is cancelled at once, a running one by its worker at its
    /// next heartbeat. Returns the run as it stands after the request.
    /// </summary>
    public async Task<TrainingRun> RequestCancelAsync(string runId, DateTimeOffset now, CancellationToken ct = default)
    {
        var run = await GetAsync(runId, ct).ConfigureAwait(false);
        if (run.IsFinished)
            throw new ConflictException($"run '{runId}' has already ended ({run.State.ToString().ToLowerInvariant()})");
        await objects.WriteAsync(CancelKey(runId), ReadOnlyMemory<byte>.Empty, ct).ConfigureAwait(false);
        if (run.State != RunState.Queued) return run;
        var cancelled = run with { State = RunState.Cancelled, EndedUtc = now, Reason = "cancelled before it started" };
        await SaveAsync(cancelled, ct).ConfigureAwait(false);
        return cancelled;
    }

    public async Task<bool> IsCancelRequestedAsync(string runId, CancellationToken ct = default) =>
        await objects.GetInfoAsync(CancelKey(runId), ct).ConfigureAwait(false) is not null;

    private static (string Plan, string Stamp) Split(string runId)
    {
        int slash = runId.LastIndexOf('/');
        if (slash <= 0 || slash == runId.Length - 1)
            throw new BadInputException($"run id {Ingest.Datasets.Excerpts.Of(runId)} is not PLAN/STAMP (see `offsafe runs list`)");
        string plan = runId[..slash], stamp = runId[(slash + 1)..];
        PlanStore.ValidateName(plan);
        if (!Ingest.Datasets.DatasetNames.IsValid(stamp))
            throw new BadInputException($"run id {Ingest.Datasets.Excerpts.Of(runId)} is not PLAN/STAMP (see `offsafe runs list`)");
        return (plan, stamp);
    }
}
