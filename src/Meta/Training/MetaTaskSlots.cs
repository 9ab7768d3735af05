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
/// When the threads do not divide K (K = 5 on 2 cores), whole rounds of tasks run one per core and the
/// K mod threads tasks left over share the cores through their GEMMs, instead of one core running a
/// third task while the other waits; the GEMMs' results do not depend on their thread count.
/// </summary>
internal sealed class MetaTaskSlots
{
    private readonly Slot[] _slots;
    private readonly float _gammaRisk;
    private readonly int _threads;
    private readonly int _wholeRounds;   // slots [0, _wholeRounds) run one per core
    private Tensor? _parameters, _targetParameters, _rawStepSizes;
    private float _scale;
    private bool _learnRates;
    private readonly SlotRun _wholeRoundsWork, _leftoverWork;

    public MetaTaskSlots(int tasks, MlpShape shape, MesaSettings config, int obsDim, int actDim, ComputeOptions compute)
    {
        _threads = compute.Threads;
        _wholeRounds = tasks / _threads * _threads;
        // Tasks take the cores first; the leftover tasks' GEMMs get the cores between them (all of them when K = 1).
        var single = compute with { Threads = 1 };
        int leftover = tasks - _wholeRounds;
        var shared = leftover == 0 ? single : compute with { Threads = Math.Max(1, _threads / leftover) };
        _gammaRisk = config.GammaRisk;
        _slots = new Slot[tasks];
        for (int j = 0; j < tasks; j++)
            _slots[j] = new Slot(shape, config, obsDim, actDim, j < _wholeRounds ? single : shared);
        _wholeRoundsWork = new SlotRun(this, 0);
        _leftoverWork = new SlotRun(this, _wholeRounds);
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
        if (_wholeRounds > 0) PartSplit.Run(_wholeRoundsWork, _wholeRounds, _threads);
        int leftover = _slots.Length - _wholeRounds;
        if (leftover > 0) PartSplit.Run(_leftoverWork, leftover, leftover);
    }

    private void RunSlot(int index)
    {
        var slot = _slots[index];
        // Read through Values, not Data: taking Data counts as a write and would make every task
        // repack the weights that psi and the target network share across the meta-iteration.
        RiskLoss.ComputeTargets(slot.TargetPass, _targetParameters!, slot.Inner, _gammaRisk, slot.NextRisk);
        RiskLoss.ComputeTargets(slot.TargetPass, _targetParameters!, slot.Outer, _gammaRisk, slot.NextRisk);
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

    // A run of consecutive slots as parts 0..n-1 of one split.
    private sealed class SlotRun(MetaTaskSlots slots, int first) : IPartedWork
    {
        public void RunPart(int part) => slots.RunSlot(first + part);
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
