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
/// say), where each part runs its own kernels on one thread. Parts are claimed in order by whichever
/// thread is free; results must not depend on which thread ran a part.
/// </summary>
public sealed class PartSplit : IThreadPoolWorkItem
{
    // Reusable split states, like ArrayPool.Shared: one is taken per call and returned after every
    // worker has left it, so a late worker can never run a part of the next call.
    private static readonly ConcurrentQueue<PartSplit> Idle = new();

    private readonly ManualResetEventSlim _workersDone = new(false);
    private IPartedWork? _work;
    private int _parts;
    private int _nextPart;
    private int _pendingWorkers;
    private Exception? _failure;

    private PartSplit()
    {
        // The event allocates its lock object the first time a wait blocks; do it here, once.
        _workersDone.Wait(1);
    }

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
        split._nextPart = 0;
        split._failure = null;
        split._pendingWorkers = workers;
        split._workersDone.Reset();
        for (int w = 0; w < workers; w++)
            ThreadPool.UnsafeQueueUserWorkItem(split, preferLocal: false);

        split.RunParts();
        split._workersDone.Wait();
        var failure = split._failure;
        split._work = null;
        Idle.Enqueue(split);
        if (failure is not null) throw new AggregateException("a part failed", failure);
    }

    void IThreadPoolWorkItem.Execute()
    {
        RunParts();
        if (Interlocked.Decrement(ref _pendingWorkers) == 0) _workersDone.Set();
    }

    private void RunParts()
    {
        int part;
        while ((part = Interlocked.Increment(ref _nextPart) - 1) < _parts)
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
    }
}
