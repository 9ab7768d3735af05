using System.Collections.Concurrent;

namespace OfflineSafety.Nn.Kernels;

/// <summary>Work cut into independent parts that may run on any thread in any order.</summary>
public interface IPartedWork
{
    void RunPart(int part);
}

/// <summary>
/// Runs the parts of an <see cref="IPartedWork"/> on the caller and on thread-pool workers without
/// allocating per call, for coarse splits inside training loops (one part per meta-learning task,
/// say), where each part runs its own kernels on one thread. The caller always runs part 0; the other
/// parts are claimed in order by whichever thread is free. Results must not depend on which thread ran a part.
/// <para>
/// A worker joins a call only while the call is open. Once the caller has run out of parts it closes
/// the call and waits just for the workers that joined; one the pool has not started yet is not waited
/// for, and finds the call closed (or a later call open, which it then helps) when it does start. On a
/// loaded machine a worker can take milliseconds to be scheduled, and a short split would otherwise
/// cost that wait every time.
/// </para>
/// </summary>
public sealed class PartSplit : IThreadPoolWorkItem
{
    // Reusable split states, like ArrayPool.Shared: one is taken per call and returned after every
    // worker that joined has left it.
    private static readonly ConcurrentQueue<PartSplit> Idle = new();

    // _gate: the number of workers inside the call, plus Closed once the caller stops admitting them.
    private const int Closed = 1 << 30;

    private readonly ManualResetEventSlim _workersDone = new(false);
    private IPartedWork? _work;
    private int _parts;
    private int _nextPart;
    private int _gate = Closed;
    // Work items queued on the pool that have not started yet: they will look at the gate when they
    // do, so a call counts them as its workers instead of queueing more (on a loaded machine items
    // would otherwise pile up and grow the pool's queue, which allocates).
    private int _queued;
    private Exception? _failure;

    private PartSplit()
    {
        // The event allocates its lock object the first time a wait blocks; do it here, once.
        _workersDone.Wait(1);
    }

    // A worker that has finished its parts stays a short while (Linger), spinning, and joins the next
    // call that opens (a training step issues one split every 20-400 us). Waking a parked pool thread
    // costs tens of microseconds on a virtual machine (the idle vCPU halts) and, when the other core
    // is busy, can take a scheduler tick; a lingering worker joins within a microsecond or two, and a
    // call that finds one does not queue a work item at all. The latest open call is published here
    // for lingering workers; like Idle, this is infrastructure shared by every caller, holding no results.
    private static PartSplit? s_open;
    private static int s_lingering;
    private static readonly long Linger = System.Diagnostics.Stopwatch.Frequency / 5000; // 200 us
    // How long the caller spins for joined workers before blocking on the event (same reasoning: a
    // blocked caller is woken by the last worker out, which costs another wake-up).
    private static readonly long CallerSpin = System.Diagnostics.Stopwatch.Frequency / 5000;

    /// <summary>Runs work.RunPart(p) for p = 0..parts-1 on up to <paramref name="threads"/> threads (the caller included).</summary>
    public static void Run(IPartedWork work, int parts, int threads)
    {
        int workers = Math.Min(parts, threads) - 1;
        if (workers <= 0)
        {
            for (int p = 0; p < parts; p++) work.RunPart(p);
            return;
        }
        var split = Idle.TryDequeue(out var reused) ? reused : new PartSplit();
        split._work = work;
        split._parts = parts;
        // Part 0 is the caller's: workers claim from part 1 on (see RunCallerParts).
        split._nextPart = 1;
        split._failure = null;
        split._workersDone.Reset();
        // Opening publishes the fields above to any worker that joins (Interlocked is a full fence).
        Interlocked.Exchange(ref split._gate, 0);
        Interlocked.Exchange(ref s_open, split);
        // Read after publishing: a lingering worker counted here checks s_open once more after it
        // stops counting itself, so it either joins this call or was never counted.
        int lingering = Volatile.Read(ref s_lingering);
        // Read after opening: an item counted here has not looked at the gate yet, so it will find this call open.
        for (int w = Volatile.Read(ref split._queued) + lingering; w < workers; w++)
        {
            Interlocked.Increment(ref split._queued);
            ThreadPool.UnsafeQueueUserWorkItem(split, preferLocal: false);
        }

        split.RunCallerParts();
        int inside = Interlocked.Add(ref split._gate, Closed) - Closed;
        Interlocked.CompareExchange(ref s_open, null, split);
        if (inside > 0)
        {
            // The workers inside are finishing their last parts, usually within microseconds of the caller.
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + CallerSpin;
            // The event, not the gate, says they are done: the last one out may have left the gate
            // but not yet set the event, and a late Set must not land on this split's next call.
            while (!split._workersDone.IsSet && System.Diagnostics.Stopwatch.GetTimestamp() < until)
                Thread.SpinWait(8);
            split._workersDone.Wait();
        }
        var failure = split._failure;
        split._work = null;
        Idle.Enqueue(split);
        if (failure is not null) throw new AggregateException("a part failed", failure);
    }

    void IThreadPoolWorkItem.Execute()
    {
        Interlocked.Decrement(ref _queued);
        TryHelp(this);
        // Linger: help whichever call opens next, until none has for a while.
        Interlocked.Increment(ref s_lingering);
        long until = System.Diagnostics.Stopwatch.GetTimestamp() + Linger;
        while (true)
        {
            var open = Volatile.Read(ref s_open);
            if (open is not null && TryHelp(open))
            {
                until = System.Diagnostics.Stopwatch.GetTimestamp() + Linger;
                continue;
            }
            if (System.Diagnostics.Stopwatch.GetTimestamp() >= until) break;
            Thread.SpinWait(8);
        }
        Interlocked.Decrement(ref s_lingering);
        // The caller that read s_lingering before this decrement queued no item for this worker:
        // look once more, after the decrement (a full fence), so that call is not left alone.
        if (Volatile.Read(ref s_open) is { } last) TryHelp(last);
    }

    // Joins the split's call if it is open with parts left and runs parts until none are left;
    // false if it was closed or had none left (its caller runs every part it is not helped with).
    private static bool TryHelp(PartSplit split)
    {
        if (Volatile.Read(ref split._nextPart) >= split._parts) return false;
        int gate = Volatile.Read(ref split._gate);
        while (true)
        {
            if (gate >= Closed) return false;
            int seen = Interlocked.CompareExchange(ref split._gate, gate + 1, gate);
            if (seen == gate) break;
            gate = seen;
        }
        split.RunParts();
        // The last worker out of a closed call wakes the caller.
        if (Interlocked.Decrement(ref split._gate) == Closed) split._workersDone.Set();
        return true;
    }

    // The caller always runs part 0 and then any part no worker has claimed. A split's parts are
    // fixed ranges (rows of a batch, rows of a weight matrix), so part 0's data is the same from one
    // call to the next: pinned to the caller's core, the rows a product writes are still in that
    // core's cache when the next product reads them, where a free-for-all claim would send about half
    // of them across to the other core at every step.
    private void RunCallerParts()
    {
        RunPart(0);
        RunParts();
    }

    private void RunPart(int part)
    {
        try
        {
            _work!.RunPart(part);
        }
        catch (Exception ex)
        {
            Interlocked.CompareExchange(ref _failure, ex, null);
        }
    }

    private void RunParts()
    {
        int part;
        while ((part = Interlocked.Increment(ref _nextPart) - 1) < _parts) RunPart(part);
    }
}
