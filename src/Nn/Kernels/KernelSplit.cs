using System.Collections.Concurrent;

namespace OfflineSafety.Nn.Kernels;

/// <summary>
/// Runs the parts of one split kernel call on the caller and on thread-pool workers without
/// allocating per call (Parallel.For allocates its loop state and closure every time, which a
/// training step that issues dozens of GEMMs cannot afford). Parts are fixed ranges decided by the
/// caller, so which thread runs a part never changes the result.
/// </summary>
internal sealed unsafe class KernelSplit : IThreadPoolWorkItem
{
    // Reusable split states, like ArrayPool.Shared: one is taken per call and returned after every
    // worker has left it, so a late worker can never run a part of the next call.
    private static readonly ConcurrentQueue<KernelSplit> Idle = new();

    private readonly ManualResetEventSlim _workersDone = new(false);
    private delegate*<in GemmProblem, int, int, void> _body;
    private GemmProblem _problem;
    private int _parts;
    private int _nextPart;
    private int _pendingWorkers;
    private Exception? _failure;

    private KernelSplit()
    {
        // The event allocates its lock object the first time a wait has to block, which only happens
        // when workers are slow (a loaded machine): do that once here, at creation, so that a split
        // taken from the pool never allocates inside a training step.
        _workersDone.Wait(1);
    }

    /// <summary>Runs body(problem, part, parts) for part = 0..parts-1, using up to parts threads.</summary>
    public static void Run(in GemmProblem problem, int parts, delegate*<in GemmProblem, int, int, void> body)
    {
        if (parts <= 1)
        {
            body(in problem, 0, 1);
            return;
        }
        var split = Idle.TryDequeue(out var reused) ? reused : new KernelSplit();
        split._body = body;
        split._problem = problem;
        split._parts = parts;
        split._nextPart = 0;
        split._failure = null;
        split._pendingWorkers = parts - 1;
        split._workersDone.Reset();
        for (int w = 1; w < parts; w++)
            ThreadPool.UnsafeQueueUserWorkItem(split, preferLocal: false);

        split.RunParts();
        split._workersDone.Wait();
        var failure = split._failure;
        split._problem = default;
        Idle.Enqueue(split);
        if (failure is not null) throw new AggregateException("a kernel part failed", failure);
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
                _body(in _problem, part, _parts);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _failure, ex, null);
            }
        }
    }
}
