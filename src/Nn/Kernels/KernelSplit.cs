using System.Collections.Concurrent;

namespace OfflineSafety.Nn.Kernels;

/// <summary>
/// Runs the parts of one split kernel call through <see cref="PartSplit"/> without allocating per
/// call (Parallel.For allocates its loop state and closure every time, which a training step that
/// issues dozens of GEMMs cannot afford). Parts are fixed ranges decided by the caller, so which
/// thread runs a part never changes the result.
/// </summary>
internal sealed unsafe class KernelSplit : IPartedWork
{
    // Reusable call states, like ArrayPool.Shared: one is taken per call and returned once
    // PartSplit.Run has returned, when no worker can still be inside it.
    private static readonly ConcurrentQueue<KernelSplit> Idle = new();

    private delegate*<in GemmProblem, int, int, void> _body;
    private GemmProblem _problem;
    private int _parts;

    /// <summary>Runs body(problem, part, parts) for part = 0..parts-1, using up to parts threads.</summary>
    public static void Run(in GemmProblem problem, int parts, delegate*<in GemmProblem, int, int, void> body)
    {
        if (parts <= 1)
        {
            body(in problem, 0, 1);
            return;
        }
        var call = Idle.TryDequeue(out var reused) ? reused : new KernelSplit();
        call._body = body;
        call._problem = problem;
        call._parts = parts;
        try
        {
            PartSplit.Run(call, parts, parts);
        }
        finally
        {
            call._problem = default;
            Idle.Enqueue(call);
        }
    }

    void IPartedWork.RunPart(int part) => _body(in _problem, part, _parts);
}
