using OfflineSafety.Meta.Training;

namespace OfflineSafety.Meta.Plans;

/// <summary>
/// What a running job does besides training, on a timer: renew the plan's lease, save the latest
/// progress, and notice a cancel request or a lost lease, which cancel <see cref="Token"/>.
/// Training reports progress from its own thread; only the newest value is kept.
/// </summary>
internal sealed class RunHeartbeat : IAsyncDisposable
{
    private readonly PlanLease leases;
    private readonly RunStore runs;
    private readonly TimeProvider time;
    private readonly PlanRunnerSettings settings;
    private readonly CancellationTokenSource stop;
    private readonly Task loop;
    private readonly DateTimeOffset started;
    private TrainingRun run;
    private readonly Lock progressGate = new();
    private TrainingProgress latest;
    private bool reported;

    public RunHeartbeat(PlanLease leases, RunStore runs, TimeProvider time, PlanRunnerSettings settings, HeldLease lease, TrainingRun run, CancellationToken outer)
    {
        this.leases = leases;
        this.runs = runs;
        this.time = time;
        this.settings = settings;
        this.run = run;
        Lease = lease;
        started = time.GetUtcNow();
        stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        loop = Task.Run(() => BeatAsync(stop.Token));
    }

    public HeldLease Lease { get; private set; }
    public CancellationToken Token => stop.Token;
    public bool CancelRequested { get; private set; }
    public bool LeaseLost { get; private set; }

    public void Report(TrainingProgress progress)
    {
        lock (progressGate)
        {
            latest = progress;
            reported = true;
        }
    }

    public RunProgress? Progress
    {
        get
        {
            lock (progressGate) return reported ? ToRunProgress(latest) : null;
        }
    }

    private async Task BeatAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(settings.Heartbeat, time, ct).ConfigureAwait(false);
                try { await BeatOnceAsync(ct).ConfigureAwait(false); }
                catch (IOException)
                {
                    // A store hiccup: the next beat retries well before the lease runs out.
                }
                if (LeaseLost || CancelRequested) return;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task BeatOnceAsync(CancellationToken ct)
    {
        var renewed = await leases.RenewAsync(Lease, settings.LeaseDuration, ct).ConfigureAwait(false);
        if (renewed is null)
        {
            LeaseLost = true;
            await stop.CancelAsync().ConfigureAwait(false);
            return;
        }
        Lease = renewed;
        if (await runs.IsCancelRequestedAsync(run.Id, ct).ConfigureAwait(false))
        {
            CancelRequested = true;
            await stop.CancelAsync().ConfigureAwait(false);
            return;
        }
        run = run with { Progress = Progress };
        await runs.SaveAsync(run, ct).ConfigureAwait(false);
    }

    private RunProgress ToRunProgress(TrainingProgress p)
    {
        double elapsed = (time.GetUtcNow() - started).TotalSeconds;
        double? eta = p.Step > 0 && p.TotalSteps > p.Step ? elapsed / p.Step * (p.TotalSteps - p.Step) : p.TotalSteps <= p.Step ? 0 : null;
        return new RunProgress(p.Step, p.TotalSteps, p.Loss, eta);
    }

    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested) await stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        stop.Dispose();
    }
}
