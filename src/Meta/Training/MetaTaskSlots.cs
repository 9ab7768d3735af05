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
/// <para>
/// A task is a chain of five stages, each writing only its own slot, so which core runs a stage
/// never changes a bit: inner targets (a target-network forward, about 1 unit of work), outer
/// targets (1), the inner step (3: forward and backward at psi), the outer gradient (3: forward and
/// backward at psi'), and the reverse pass (6: R-forward and R-backward at psi). The cores take
/// stages from one priority list, each the first whose predecessors are done, and spin while none is
/// ready. With whole tasks (K = 5 on 2 cores) one core ran a third task while the other waited; the
/// best split of tasks and targets still left 38 units of wall for 70 of work. The list puts the
/// chains of the K mod threads leftover tasks first, so they are cut between the cores, and then the
/// other tasks' stages by the work that follows them (all inner targets, inner steps, outer targets,
/// outer gradients, reverse passes): 35 units of wall for 70 in the model, and it adapts to stages
/// running slower than the model. One thread takes the stages task by task, as the serial loop did.
/// </para>
/// </summary>
internal sealed class MetaTaskSlots : IPartedWork
{
    private const int NotStarted = 0, InProgress = 1, Done = 2;
    private const int InnerTargets = 0, OuterTargets = 1, InnerStep = 2, OuterGradient = 3, Reverse = 4, StagesPerTask = 5;

    private readonly Slot[] _slots;
    private readonly float _gammaRisk;
    private readonly int _threads;
    private readonly int _parts;        // one per core taking part (K when K <= threads)
    private readonly int[] _order;      // stage ids (task * StagesPerTask + stage) in priority order
    private readonly int[] _state;      // per stage id
    private int _failed;
    private Tensor? _parameters, _targetParameters, _rawStepSizes;
    private float _scale;
    private bool _learnRates;

    public MetaTaskSlots(int tasks, MlpShape shape, MesaSettings config, int obsDim, int actDim, ComputeOptions compute)
    {
        _threads = compute.Threads;
        // Tasks take the cores first; a GEMM gets what is left over (all of them when K = 1).
        var perTask = compute with { Threads = Math.Max(1, compute.Threads / Math.Min(tasks, compute.Threads)) };
        _parts = Math.Min(tasks, _threads);
        _gammaRisk = config.GammaRisk;
        _slots = new Slot[tasks];
        for (int j = 0; j < tasks; j++)
            _slots[j] = new Slot(shape, config, obsDim, actDim, perTask);
        _state = new int[tasks * StagesPerTask];
        _order = PriorityOrder(tasks, _parts);
    }

    // A task's stages in chain order, which is also the order of the work that follows them
    // (13, 12, 10, 9 and 6 units), the order in which the whole tasks' stages are listed.
    private static readonly int[] Stages = [InnerTargets, InnerStep, OuterTargets, OuterGradient, Reverse];

    private static int[] PriorityOrder(int tasks, int parts)
    {
        var order = new int[tasks * StagesPerTask];
        int n = 0;
        if (parts <= 1)
        {
            for (int j = 0; j < tasks; j++)
                foreach (int stage in Stages) order[n++] = j * StagesPerTask + stage;
            return order;
        }
        int leftover = tasks % parts, whole = tasks - leftover;
        for (int j = whole; j < tasks; j++)
            foreach (int stage in Stages) order[n++] = j * StagesPerTask + stage;
        foreach (int stage in Stages)
            for (int j = 0; j < whole; j++) order[n++] = j * StagesPerTask + stage;
        return order;
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
        Array.Clear(_state);
        _failed = 0;
        PartSplit.Run(this, _parts, _threads);
    }

    public void RunPart(int part)
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref _failed) == 0)
        {
            int taken = -1;
            bool left = false;
            foreach (int id in _order)
            {
                if (Volatile.Read(ref _state[id]) != NotStarted) continue;
                left = true;
                if (Ready(id) && Interlocked.CompareExchange(ref _state[id], InProgress, NotStarted) == NotStarted)
                {
                    taken = id;
                    break;
                }
            }
            if (taken >= 0)
            {
                try
                {
                    RunStage(taken / StagesPerTask, taken % StagesPerTask);
                }
                catch
                {
                    // The exception is what Run reports; the other cores stop instead of waiting for this stage.
                    Volatile.Write(ref _failed, 1);
                    throw;
                }
                Volatile.Write(ref _state[taken], Done);
                spin.Reset();
            }
            else if (!left) return;
            // Stages remain but their predecessors run on other cores: wait without giving up the core.
            else spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private bool Ready(int id)
    {
        int first = id - id % StagesPerTask;
        return (id % StagesPerTask) switch
        {
            InnerStep => IsDone(first + InnerTargets),
            OuterGradient => IsDone(first + InnerStep) && IsDone(first + OuterTargets),
            Reverse => IsDone(first + OuterGradient),
            _ => true,
        };
    }

    private bool IsDone(int id) => Volatile.Read(ref _state[id]) == Done;

    private void RunStage(int task, int stage)
    {
        var slot = _slots[task];
        switch (stage)
        {
            // Read through the tensor, not Data: taking Data counts as a write and would make every
            // task repack the weights that psi and the target network share across the meta-iteration.
            case InnerTargets:
                RiskLoss.ComputeTargets(slot.InnerTargetPass, _targetParameters!, slot.Inner, _gammaRisk, slot.InnerNextRisk);
                break;
            case OuterTargets:
                RiskLoss.ComputeTargets(slot.OuterTargetPass, _targetParameters!, slot.Outer, _gammaRisk, slot.OuterNextRisk);
                break;
            case InnerStep:
                slot.Meta.InnerSteps(_parameters!.Values, _rawStepSizes!.Values, slot.Inner, kept: _parameters);
                break;
            case OuterGradient:
                slot.Loss = slot.Meta.OuterGradient(slot.Outer, _scale);
                break;
            default:
                Array.Clear(slot.Gradient);
                Array.Clear(slot.RateGradient);
                slot.Meta.Reverse(_rawStepSizes!.Values, slot.Inner, slot.Gradient, _learnRates ? slot.RateGradient : Span<float>.Empty, kept: _parameters);
                break;
        }
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
        // One target pass per batch: a task's two target stages may run at once on different cores.
        public MlpPass InnerTargetPass { get; } = new(shape, config.InnerBatchSize, compute);
        public MlpPass OuterTargetPass { get; } = new(shape, config.OuterBatchSize, compute);
        public float[] InnerNextRisk { get; } = new float[config.InnerBatchSize];
        public float[] OuterNextRisk { get; } = new float[config.OuterBatchSize];
        public float[] Gradient { get; } = new float[shape.ParameterCount];
        public float[] RateGradient { get; } = new float[shape.Tensors.Count];
        public float Loss { get; set; }
    }
}
