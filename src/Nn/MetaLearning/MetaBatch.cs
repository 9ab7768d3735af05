using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace OfflineSafety.Nn.MetaLearning;

/// <summary>
/// The outer sum of a meta-batch, grad sum_k L_k(w), with its tasks on separate cores: each task
/// builds its loss on its own tape with single-threaded kernels, and the per-task gradients are added
/// into the parameters' <see cref="Tensor.Grad"/> in task order, so the result is the same bits for
/// any thread count (the kernels' results do not depend on it either).
/// <para>
/// Why: a meta-batch's products are small (a 256 x 100 x 100 product takes about 34 us on one core),
/// and split across two cores each of them gains 1.27x at best while the cores exchange its rows; 170
/// such splits per meta-iteration gave the second core nothing on the 2-vCPU build machine when the
/// host made crossing cores slow (docs/benchmarks.md). Whole tasks per core exchange nothing but the
/// final gradients. With K tasks on T cores the first K - K mod T run a task per core at a time; the
/// K mod T left over run after them one at a time with every core on their products.
/// </para>
/// <para>
/// Each core differentiates its own copy of the parameters (core 0 the parameters themselves): a
/// leaf collects its gradient on the leaf while a tape runs backward, so two tapes cannot share one.
/// Not thread-safe: one meta-batch per training loop.
/// </para>
/// </summary>
public sealed class MetaBatch : IPartedWork
{
    /// <summary>Task <paramref name="task"/>'s loss, built on <paramref name="tape"/> from
    /// <paramref name="parameters"/> (the meta-batch's parameters or a core's copy of them, in the same
    /// order). Anything else it reads is shared between cores and must only be read.</summary>
    public delegate Tensor TaskLoss(Tape tape, IReadOnlyList<Tensor> parameters, int task);

    private readonly IReadOnlyList<Tensor> _parameters;
    private readonly Tensor[][] _coreParameters;
    private readonly Tape[] _tapes;
    private readonly Tensor[][] _gradients;
    private readonly float[] _losses;
    private readonly int _threads;
    private readonly int _cores;
    private readonly int _whole;
    private TaskLoss? _loss;

    public MetaBatch(IReadOnlyList<Tensor> parameters, int tasks, ComputeOptions? compute = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        if (parameters.Count == 0) throw new ArgumentException("a meta-batch needs at least one parameter tensor", nameof(parameters));
        compute ??= ComputeOptions.Default;
        _parameters = parameters;
        _threads = compute.Threads;
        _cores = Math.Min(tasks, _threads);
        _whole = tasks - tasks % _cores;
        _coreParameters = new Tensor[_cores][];
        _coreParameters[0] = [.. parameters];
        for (int c = 1; c < _cores; c++)
            _coreParameters[c] = [.. parameters.Select(p => p.Clone())];
        var perCore = compute with { Threads = Math.Max(1, _threads / _cores) };
        _tapes = new Tape[tasks];
        for (int k = 0; k < tasks; k++) _tapes[k] = new Tape(k < _whole ? perCore : compute);
        _gradients = new Tensor[tasks][];
        for (int k = 0; k < tasks; k++) _gradients[k] = new Tensor[parameters.Count];
        _losses = new float[tasks];
    }

    public int Tasks => _tapes.Length;

    /// <summary>Task k's loss value from the latest <see cref="Accumulate"/>.</summary>
    public float Loss(int task) => _losses[task];

    /// <summary>
    /// Adds grad L_k to the parameters' gradients for k = 0..K-1, in that order, as calling
    /// <see cref="Tape.Backward"/> on each task's loss would (up to the order of additions inside a
    /// task). The parameters must not change while it runs.
    /// </summary>
    public void Accumulate(TaskLoss loss)
    {
        _loss = loss;
        try
        {
            PartSplit.Run(this, _cores, _threads);
            for (int k = _whole; k < _tapes.Length; k++) RunTask(k, core: 0);
        }
        finally
        {
            _loss = null;
        }
        for (int i = 0; i < _parameters.Count; i++)
        {
            var sum = _parameters[i].EnsureGrad();
            for (int k = 0; k < _tapes.Length; k++) TensorPrimitives.Add(sum, _gradients[k][i].Values, sum);
        }
    }

    /// <summary>Core <paramref name="part"/>'s share of the whole rounds: tasks part, part + cores, ...</summary>
    public void RunPart(int part)
    {
        // Copied by the core that reads them, so the copy lands in its cache.
        if (part > 0)
            for (int i = 0; i < _parameters.Count; i++)
                _parameters[i].Values.CopyTo(_coreParameters[part][i].Data);
        for (int k = part; k < _whole; k += _cores) RunTask(k, part);
    }

    private void RunTask(int task, int core)
    {
        var tape = _tapes[task];
        tape.Reset();
        var parameters = _coreParameters[core];
        var loss = _loss!(tape, parameters, task);
        if (loss.Length != 1) throw new ArgumentException($"task {task}'s loss has shape {loss.ShapeText}; a meta-batch needs a scalar loss per task");
        _losses[task] = loss.Values[0];
        tape.Grad(loss, parameters, _gradients[task]);
    }
}
