using System.Globalization;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Evaluation;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Training;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Plans;

/// <summary>
/// Carries out one run of a plan: take the plan's lease (or leave the run queued for later), skip
/// when the dataset has no version newer than the one the model was last trained on, train exactly
/// what `meta-train` would on the newest version, score the new critic and the current one on the
/// held-out data, and publish the new one as the model's next version only if it passes the
/// promotion gate (else as NAME-candidate). Every state change is saved to the run's record.
/// </summary>
public sealed class PlanRunner(IObjectStore objects, TimeProvider time, string worker, PlanRunnerSettings settings)
{
    private readonly PlanLease leases = new(objects, time);
    private readonly RunStore runs = new(objects);

    /// <summary>Creates a run record for a trigger; null when this trigger's run already exists (another scheduler made it).</summary>
    public async Task<TrainingRun?> QueueAsync(TrainingPlan plan, RunTrigger trigger, string runId, bool force = false, CancellationToken ct = default)
    {
        var run = new TrainingRun { Id = runId, Plan = plan.Name, State = RunState.Queued, Trigger = trigger, QueuedUtc = time.GetUtcNow(), Force = force };
        return await runs.CreateAsync(run, ct).ConfigureAwait(false) ? run : null;
    }

    /// <summary>
    /// Runs a queued run to its end. Returns null, leaving it queued, while another worker holds the
    /// plan; returns the run unchanged when it has already ended.
    /// </summary>
    public async Task<TrainingRun?> TryRunAsync(TrainingPlan plan, string runId, Action<TrainingProgress>? progress = null,
        CancellationToken ct = default)
    {
        var lease = await leases.TryAcquireAsync(plan.Name, worker, runId, settings.LeaseDuration, ct).ConfigureAwait(false);
        if (lease is null) return null;
        var log = new List<string>();
        TrainingRun run = await runs.GetAsync(runId, ct).ConfigureAwait(false);
        try
        {
            if (run.IsFinished) return run;
            if (await runs.IsCancelRequestedAsync(runId, ct).ConfigureAwait(false))
                return await EndAsync(run, RunState.Cancelled, "cancelled before it started", log).ConfigureAwait(false);
            Log(log, $"started by {worker} ({run.Trigger.ToString().ToLowerInvariant()})");
            run = run with { State = RunState.Running, StartedUtc = time.GetUtcNow(), Worker = worker, LogTail = Tail(log) };
            await runs.SaveAsync(run, ct).ConfigureAwait(false);

            var newest = await new DatasetStore(objects).ResolveAsync(DatasetReference.Parse(plan.Training.Dataset), ct).ConfigureAwait(false);
            var trainedOn = await LastTrainedVersionAsync(plan, ct).ConfigureAwait(false);
            if (!run.Force && trainedOn is { } done && newest.Version <= done.Version)
                return await EndAsync(run, RunState.Skipped,
                    $"dataset {plan.Training.Dataset} has no version newer than @{done.Version.ToString(CultureInfo.InvariantCulture)}, which {done.By} was trained on", log).ConfigureAwait(false);

            await using var heartbeat = new RunHeartbeat(leases, runs, time, settings, lease, run, ct);
            try
            {
                run = await TrainAndPublishAsync(plan, run, newest, heartbeat, progress, log).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (heartbeat.CancelRequested)
            {
                run = await EndAsync(run with { Progress = heartbeat.Progress }, RunState.Cancelled, "cancelled while running", log).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (heartbeat.LeaseLost)
            {
                run = await EndAsync(run with { Progress = heartbeat.Progress }, RunState.Failed, "lost the plan's lease (this worker stalled past its expiry)", log).ConfigureAwait(false);
            }
            lease = heartbeat.Lease;
            return run;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await EndAsync(run, RunState.Cancelled, $"worker {worker} shut down", log).ConfigureAwait(false);
            throw;
        }
        catch (Exception e) when (e is UserError or IOException or InvalidDataException)
        {
            return await EndAsync(run, RunState.Failed, e.Message, log).ConfigureAwait(false);
        }
        finally
        {
            await leases.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Marks the plan's running runs whose worker stopped renewing the lease as failed, so the next
    /// run can proceed. Returns the runs it marked.
    /// </summary>
    public async Task<IReadOnlyList<TrainingRun>> ReapAsync(string plan, CancellationToken ct = default)
    {
        var reaped = new List<TrainingRun>();
        var current = await leases.CurrentAsync(plan, ct).ConfigureAwait(false);
        foreach (var run in await runs.ListAsync(plan, ct).ConfigureAwait(false))
        {
            if (run.State != RunState.Running) continue;
            bool alive = current is { } c && c.Record.RunId == run.Id && c.Record.ExpiresUtc > time.GetUtcNow();
            if (alive) continue;
            string expired = current is { } l && l.Record.RunId == run.Id
                ? $"its lease expired at {l.Record.ExpiresUtc:u}"
                : "it no longer holds the plan's lease";
            var failed = run with { State = RunState.Failed, EndedUtc = time.GetUtcNow(), Reason = $"worker {run.Worker} stopped: {expired}" };
            await runs.SaveAsync(failed, ct).ConfigureAwait(false);
            reaped.Add(failed);
        }
        return reaped;
    }

    private async Task<TrainingRun> TrainAndPublishAsync(TrainingPlan plan, TrainingRun run, DatasetVersion newest, RunHeartbeat heartbeat,
        Action<TrainingProgress>? progress, List<string> log)
    {
        var ct = heartbeat.Token;
        var request = plan.Training with { Dataset = $"{newest.Name}@{newest.Version.ToString(CultureInfo.InvariantCulture)}" };
        Log(log, $"training {request.Algorithm} on {request.Dataset}");
        TrainingHost<TrainedCritic> host = (_, train) => train(p =>
        {
            heartbeat.Report(p);
            progress?.Invoke(p);
        });
        var trained = await Task.Run(() => new MetaTrainingJob(objects).TrainAsync(request, host, ct), ct).ConfigureAwait(false);
        run = run with { Dataset = trained.Dataset, Progress = heartbeat.Progress };
        var metrics = new Dictionary<string, double>(trained.Card.Metrics) { ["final_loss"] = trained.FinalLoss };
        Log(log, $"trained: final loss {trained.FinalLoss:0.00000} in {trained.Seconds:0.0} s");

        var registry = new ModelRegistry(objects);
        string? gateReason = null;
        if (plan.EvaluationDataset is { } evaluation)
        {
            var heldOut = await DatasetLoading.LoadAsync(objects, evaluation, null, ct).ConfigureAwait(false);
            var candidate = Score(trained.Critic, trained.Card.GammaRisk, heldOut, ct);
            metrics["held_out_auc"] = candidate.Auc;
            metrics["held_out_brier"] = candidate.Brier;
            Log(log, $"held-out on {heldOut.Lineage}: AUC {candidate.Auc:0.0000}, Brier {candidate.Brier:0.00000}");
            if (await TryLoadAsync(registry, plan.Training.Model, ct).ConfigureAwait(false) is { } current)
            {
                var incumbent = Score(current.Critic, current.Card.GammaRisk, heldOut, ct);
                metrics["incumbent_auc"] = incumbent.Auc;
                metrics["incumbent_brier"] = incumbent.Brier;
                if (!plan.Gate.Passes(candidate, incumbent))
                    gateReason = $"held-out AUC {candidate.Auc:0.0000} / Brier {candidate.Brier:0.00000} against {current.Card.Reference}'s "
                        + $"{incumbent.Auc:0.0000} / {incumbent.Brier:0.00000}: outside the promotion margin {plan.Gate.Margin}";
            }
        }

        string name = gateReason is null ? plan.Training.Model : plan.Training.Model + PlanRunnerSettings.CandidateSuffix;
        var card = trained.Card with { Name = name, Metrics = metrics };
        var published = await registry.PublishAsync(card, trained.Critic, null, ct).ConfigureAwait(false);
        Log(log, gateReason is null ? $"published {published.Reference}" : $"kept as candidate {published.Reference}: {gateReason}");
        return await EndAsync(run with { PublishedModel = published.Reference, Candidate = gateReason is not null, Metrics = metrics },
            RunState.Succeeded, gateReason is null ? null : $"kept as a candidate: {gateReason}", log).ConfigureAwait(false);
    }

    private static HeldOutScores Score(SafetyCritic critic, float gammaRisk, LoadedDataset data, CancellationToken ct)
    {
        var report = CriticEvaluation.Evaluate(critic, data.Batch, gammaRisk, cancellationToken: ct);
        return new HeldOutScores(report.Auc, report.Brier);
    }

    private static async Task<StoredModel?> TryLoadAsync(ModelRegistry registry, string model, CancellationToken ct)
    {
        try { return await registry.LoadAsync(new ModelReference(model, null), ct).ConfigureAwait(false); }
        catch (NotFoundException) { return null; }
    }

    /// <summary>
    /// The newest version of the plan's dataset that the model (its latest version) or an earlier
    /// run of the plan (a kept candidate included) was trained on.
    /// </summary>
    public async Task<(long Version, string By)?> LastTrainedVersionAsync(TrainingPlan plan, CancellationToken ct = default)
    {
        (long Version, string By)? best = null;
        try
        {
            var card = await new ModelRegistry(objects).ResolveAsync(new ModelReference(plan.Training.Model, null), ct).ConfigureAwait(false);
            if (card.Lineage.Dataset.Name == plan.Training.Dataset) best = (card.Lineage.Dataset.Version, card.Reference);
        }
        catch (NotFoundException)
        {
        }
        foreach (var run in await runs.ListAsync(plan.Name, ct).ConfigureAwait(false))
            if (run is { State: RunState.Succeeded, Dataset: { } d } && d.Name == plan.Training.Dataset && (best is null || d.Version > best.Value.Version))
                best = (d.Version, run.PublishedModel ?? run.Id);
        return best;
    }

    private async Task<TrainingRun> EndAsync(TrainingRun run, RunState state, string? reason, List<string> log)
    {
        if (reason is not null) Log(log, reason);
        var ended = run with { State = state, EndedUtc = time.GetUtcNow(), Reason = reason, LogTail = Tail(log) };
        await runs.SaveAsync(ended, CancellationToken.None).ConfigureAwait(false);
        return ended;
    }

    private void Log(List<string> log, string line) => log.Add($"{time.GetUtcNow():yyyy-MM-dd HH:mm:ss}Z {line}");

    private string[] Tail(List<string> log) => log.Skip(Math.Max(0, log.Count - settings.LogTailLines)).ToArray();
}
