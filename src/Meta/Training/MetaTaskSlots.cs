using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Training;

/// <summary>
/// The K tasks of one MESA meta-iteration as independent parts: each slot holds one task's batches,
/// its targets' scratch, its own <see cref="MetaGradient"/> and its own gradient buffers, so the
/// tasks run on separate cores with single-threaded kernels (one split per meta-iteration instead of
/// one per GEMM). <see cref="SumInto"/> then adds the slots in task order, which gives the same
/// floating-point sums as accumulating the tasks one after another: the result does not depend on
/// the thread count. Batches are sampled by the caller, serially, so the random stream is unchanged.
/// When the threads do not divide K (K = 5 on 2 cores), one core would run a third task while the
/// other waited. Instead each task's targets (two forwards of the target network) are a unit of their
/// own: the cores that will run one task fewer (K mod threads of the cores run one more) first compute
/// the targets of every task, last task first, while the others start on the meta-gradients, and then
/// all take tasks as they free up. Work per core: 2 x 12 + 8 = 32 and 3 x 12 + 2 = 38 units (a task
/// is about 2 units of targets and 12 of meta-gradient) instead of 42 and 28. Each unit writes only
/// its own slot, so which core runs it never changes a bit.
/// </summary>
internal sealed class MetaTaskSlots : IPartedWork
{
    private const int NotStarted = 0, InProgress = 1, Done = 2, Failed = 3;

    private readonly Slot[] _slots;
    private readonly float _gammaRisk;
    private readonly int _threads;
    private readonly int _parts;        // one per core taking part (K when K <= threads)
    private readonly int _leadParts;    // parts that start on meta-gradients; the rest compute targets first
    private readonly int[] _targetState;
    private int _nextTask;
    private Tensor? _parameters, _targetParameters, _rawStepSizes;
    private float _scale;
    private bool _learnRates;

    public MetaTaskSlots(int tasks, MlpShape shape, MesaSettings config, int obsDim, int actDim, ComputeOptions compute)
    {
        _threads = compute.Threads;
        // Tasks take the cores first; a GEMM gets what is left over (all of them when K = 1).
        var perTask = compute with { Threads = Math.Max(1, compute.Threads / Math.Min(tasks, compute.Threads)) };
        _parts = Math.Min(tasks, _threads);
        int longer = tasks % _parts;
        _leadParts = longer == 0 ? _parts : longer;
        _gammaRisk = config.GammaRisk;
        _slots = new Slot[tasks];
        for (int j = 0; j < tasks; j++)
            _slots[j] = new Slot(shape, config, obsDim, actDim, perTask);
        _targetState = new int[tasks];
    }

    public int Count => _slots.Length;

    public CriticBatch Inner(int task) => _slots[task].Inner;

    public CriticBatch Outer(int task) => _slots[task].Outer;

    /// <summary>Targets and the meta-gradient of every slot, in parallel.</summary>
    public void Run(Tensor parameters, Tensor targetParameters, Tensor rawStepSizes, float scale, bool learnRates)
    {
        _parameters = parameters;
        _targetParameters = targetParameters;
        _rawStepSizes = rawStepSizes;
        _scale = scale;
        _learnRates = learnRates;
        Array.Clear(_targetState);
        _nextTask = 0;
        PartSplit.Run(this, _parts, _threads);
    }

    public void RunPart(int part)
    {
        if (part >= _leadParts)
            for (int j = _slots.Length - 1; j >= 0; j--) TryTargets(j);
        int task;
        while ((task = Interlocked.Increment(ref _nextTask) - 1) < _slots.Length)
        {
            if (TryTargets(task) || AwaitTargets(task)) RunMetaGradient(task);
        }
    }

    /// <summary>Computes the task's targets unless another core has taken them; false if it has.</summary>
    private bool TryTargets(int task)
    {
        if (Interlocked.CompareExchange(ref _targetState[task], InProgress, NotStarted) != NotStarted) return false;
        try
        {
            var slot = _slots[task];
            // Read through the tensor, not Data: taking Data counts as a write and would make every
            // task repack the weights that psi and the target network share across the meta-iteration.
            RiskLoss.ComputeTargets(slot.TargetPass, _targetParameters!, slot.Inner, _gammaRisk, slot.NextRisk);
            RiskLoss.ComputeTargets(slot.TargetPass, _targetParameters!, slot.Outer, _gammaRisk, slot.NextRisk);
        }
        catch
        {
            Volatile.Write(ref _targetState[task], Failed);
            throw;
        }
        Volatile.Write(ref _targetState[task], Done);
        return true;
    }

    // The core computing them is running (it took them), so this wait always ends. False when they
    // failed there: that core's exception is what Run reports, so this one skips the task.
    private bool AwaitTargets(int task)
    {
        var spin = new SpinWait();
        int state;
        while ((state = Volatile.Read(ref _targetState[task])) == InProgress) spin.SpinOnce();
        return state == Done;
    }

    private void RunMetaGradient(int task)
    {
        var slot = _slots[task];
        Array.Clear(slot.Gradient);
        Array.Clear(slot.RateGradient);
        slot.Loss = slot.Meta.Accumulate(_parameters!.Values, _rawStepSizes!.Values, slot.Inner, slot.Outer, _scale, slot.Gradient,
            _learnRates ? slot.RateGradient : Span<float>.Empty, kept: _parameters);
    }

    /// <summary>Adds every slot's gradients in task order; returns the scaled sum of the outer losses.</summary>
    public float SumInto(Span<float> outerGradient, Span<float> rateGradient)
    {
        float loss = 0;
        foreach (var slot in _slots)
        {
            loss += _scale * slot.Loss;
            TensorPrimitives.Add(outerGradient[..slot.Gradient.Length], slot.Gradient, outerGradient);
            if (_learnRates)
                for (int t = 0; t < rateGradient.Length; t++) rateGradient[t] += slot.RateGradient[t];
        }
        return loss;
    }

    private sealed class Slot(MlpShape shape, MesaSettings config, int obsDim, int actDim, ComputeOptions compute)
    {
        public CriticBatch Inner { get; } = new(config.InnerBatchSize, obsDim, actDim);
        public CriticBatch Outer { get; } = new(config.OuterBatchSize, obsDim, actDim);
        public MetaGradient Meta { get; } = new(shape, config.InnerSteps, config.FirstOrder, config.InnerBatchSize, config.OuterBatchSize, compute);
        public MlpPass TargetPass { get; } = new(shape, Math.Max(config.InnerBatchSize, config.OuterBatchSize), compute);
        public float[] NextRisk { get; } = new float[Math.Max(config.InnerBatchSize, config.OuterBatchSize)];
        public float[] Gradient { get; } = new float[shape.ParameterCount];
        public float[] RateGradient { get; } = new float[shape.Tensors.Count];
        public float Loss { get; set; }
    }
}
