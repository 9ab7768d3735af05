using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Distributions;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.MetaLearning;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Bench.Nn;

/// <summary>
/// One engine workload of shared/bench/torch_anchor.py: its JSON key, how the anchor times it, and
/// the step itself. <see cref="GemmFlops"/> counts the matrix-product work of one step for the
/// workloads whose time is dominated by it (0 for the others).
/// </summary>
public interface INnWorkload
{
    string Key { get; }
    int Repetitions { get; }
    int Warmup { get; }
    double GemmFlops { get; }
    void Step();
}

/// <summary>The engine workloads with the anchor's shapes, batch sizes and repetition counts.</summary>
public static class NnWorkloads
{
    public const int Batch = 256;

    public static IReadOnlyList<INnWorkload> Create(ComputeOptions compute, int seed = 0) =>
    [
        new CriticUpdate(compute, seed),
        new MamlIteration(compute, seed),
        new SacUpdate(compute, seed),
        new CriticInference(compute, seed, rows: 1, "infer_b1_us", repetitions: 20000),
        new CriticInference(compute, seed, rows: 100, "infer_b100_us", repetitions: 2000),
        new CriticInference(compute, seed, rows: 4096, "infer_b4096_us", repetitions: 100),
    ];

    /// <summary>2 * rows * sum(in * out) over an MLP's layers: the flops of its forward products,
    /// and equally of its weight gradients.</summary>
    public static double LayerFlops(int rows, params int[] sizes)
    {
        double sum = 0;
        for (int i = 0; i + 1 < sizes.Length; i++) sum += (double)sizes[i] * sizes[i + 1];
        return 2.0 * rows * sum;
    }

    internal static Tensor Normal(Xoshiro256StarStar rng, int rows, int cols)
    {
        var t = Tensor.Matrix(rows, cols);
        rng.FillNormal(t.Data);
        return t;
    }

    internal static Tensor Bernoulli(Xoshiro256StarStar rng, int rows, float p)
    {
        var t = Tensor.Matrix(rows, 1);
        for (int i = 0; i < rows; i++) t.Data[i] = rng.NextDouble() < p ? 1f : 0f;
        return t;
    }
}

/// <summary>critic_update_ms: twin-head safety critic [obs+act -> 256 -> 256 -> 2], pessimistic target
/// (max over heads) from a target critic at (s', tanh(pi(s'))), MSE, Adam 3e-4, Polyak 2e-4.</summary>
internal sealed class CriticUpdate : INnWorkload
{
    private const int Obs = 2, Act = 2, Hidden = 256;
    private readonly Tape _tape;
    private readonly Mlp _critic, _target, _actor;
    private readonly Adam _adam;
    private readonly Tensor _s, _a, _cost, _sNext, _notDone;

    public CriticUpdate(ComputeOptions compute, int seed)
    {
        var rng = new Xoshiro256StarStar((ulong)seed);
        _tape = new Tape(compute);
        // Sigmoid and tanh output nonlinearities are fused into the last layer (the anchor applies
        // them as separate ops; the arithmetic is the same).
        _critic = new Mlp(Obs + Act, [Hidden, Hidden], 2, rng, Activation.Relu, Activation.Sigmoid);
        _target = new Mlp(Obs + Act, [Hidden, Hidden], 2, rng, Activation.Relu, Activation.Sigmoid);
        _actor = new Mlp(Obs, [Hidden, Hidden], Act, rng, Activation.Relu, Activation.Tanh);
        _target.CopyFrom(_critic);
        _adam = new Adam(_critic.Parameters, 3e-4f, compute: compute);
        _s = NnWorkloads.Normal(rng, NnWorkloads.Batch, Obs);
        _a = NnWorkloads.Normal(rng, NnWorkloads.Batch, Act);
        _cost = NnWorkloads.Bernoulli(rng, NnWorkloads.Batch, 0.1f);
        _sNext = NnWorkloads.Normal(rng, NnWorkloads.Batch, Obs);
        _notDone = Tensor.Matrix(NnWorkloads.Batch, 1);
        _notDone.Data.Fill(1f);
    }

    public string Key => "critic_update_ms";
    public int Repetitions => 300;
    public int Warmup => 20;

    // Actor and target forward, critic forward, critic weight gradients, and input gradients of
    // the critic's two upper layers (the first layer's input needs none).
    public double GemmFlops =>
        NnWorkloads.LayerFlops(NnWorkloads.Batch, Obs, Hidden, Hidden, Act)
        + 3 * NnWorkloads.LayerFlops(NnWorkloads.Batch, Obs + Act, Hidden, Hidden, 2)
        + NnWorkloads.LayerFlops(NnWorkloads.Batch, Hidden, Hidden, 2);

    public void Step()
    {
        var tape = _tape;
        tape.Reset();
        Tensor y;
        using (tape.NoGrad())
        {
            var aNext = _actor.Forward(tape, _sNext);
            var riskNext = tape.Max(_target.Forward(tape, tape.Concat(_sNext, aNext)), axis: 1);
            // y = c + (1 - c) (1 - done) 0.8 max_h Q'(s', a')
            y = tape.Add(_cost, tape.Mul(tape.Mul(tape.OneMinus(_cost), _notDone), tape.Scale(riskNext, 0.8f)));
        }
        var loss = tape.Mse(_critic.Forward(tape, tape.Concat(_s, _a)), y);
        _adam.ZeroGrad();
        tape.Backward(loss);
        // The anchor's Polyak update, blended as each range of weights is stepped.
        _adam.Step(_target.Parameters, 2e-4f);
    }
}

/// <summary>maml_iter_ms: MESA meta-iteration on a critic [4 -> 100 -> 100 -> 100 -> 1], 5 tasks, one
/// inner SGD step (lr 1e-3) with second-order gradients, outer Adam 1e-5, global norm clip 40. The
/// tasks run on separate cores (<see cref="MetaBatch"/>); the anchor splits each op instead.</summary>
internal sealed class MamlIteration : INnWorkload
{
    private const int Obs = 2, Act = 2, Width = 100, Tasks = 5;
    private readonly Mlp _net, _target, _actor;
    private readonly Adam _adam;
    private readonly MetaBatch _metaBatch;
    private readonly MetaBatch.TaskLoss _taskLoss;
    private readonly (Tensor S, Tensor A, Tensor Cost, Tensor SNext)[] _batches;
    private readonly Tensor[][] _grads, _fast;

    public MamlIteration(ComputeOptions compute, int seed)
    {
        var rng = new Xoshiro256StarStar((ulong)seed + 1);
        _net = new Mlp(Obs + Act, [Width, Width, Width], 1, rng, Activation.Relu, Activation.Sigmoid);
        _target = new Mlp(Obs + Act, [Width, Width, Width], 1, rng, Activation.Relu, Activation.Sigmoid);
        _actor = new Mlp(Obs, [256, 256], Act, rng, Activation.Relu, Activation.Tanh);
        _adam = new Adam(_net.Parameters, 1e-5f, compute: compute);
        _metaBatch = new MetaBatch(_net.Parameters, Tasks, compute);
        _taskLoss = TaskLoss;
        _batches = new (Tensor, Tensor, Tensor, Tensor)[2 * Tasks];
        for (int i = 0; i < _batches.Length; i++)
            _batches[i] = (NnWorkloads.Normal(rng, NnWorkloads.Batch, Obs), NnWorkloads.Normal(rng, NnWorkloads.Batch, Act),
                NnWorkloads.Bernoulli(rng, NnWorkloads.Batch, 0.1f), NnWorkloads.Normal(rng, NnWorkloads.Batch, Obs));
        // Per task: tasks run at the same time on different cores.
        _grads = new Tensor[Tasks][];
        _fast = new Tensor[Tasks][];
        for (int k = 0; k < Tasks; k++)
        {
            _grads[k] = new Tensor[_net.Parameters.Count];
            _fast[k] = new Tensor[_net.Parameters.Count];
        }
    }

    public string Key => "maml_iter_ms";
    public int Repetitions => 100;
    public int Warmup => 5;
    public double GemmFlops => 0;

    private Tensor RiskLoss(Tape tape, IReadOnlyList<Tensor> weights, (Tensor S, Tensor A, Tensor Cost, Tensor SNext) batch)
    {
        Tensor y;
        using (tape.NoGrad())
        {
            var aNext = _actor.Forward(tape, batch.SNext);
            y = tape.Add(batch.Cost, tape.Mul(tape.OneMinus(batch.Cost), tape.Scale(_target.Forward(tape, tape.Concat(batch.SNext, aNext)), 0.8f)));
        }
        return tape.Mse(_net.Forward(tape, tape.Concat(batch.S, batch.A), weights), y);
    }

    private Tensor TaskLoss(Tape tape, IReadOnlyList<Tensor> weights, int k)
    {
        Maml.Step(tape, RiskLoss(tape, weights, _batches[k]), weights, 1e-3f, _grads[k], _fast[k], MamlOrder.Second);
        return tape.Scale(RiskLoss(tape, _fast[k], _batches[k + Tasks]), 1f / Tasks);
    }

    public void Step()
    {
        _adam.ZeroGrad();
        _metaBatch.Accumulate(_taskLoss);
        GradientClipping.ClipGlobalNorm(_net.Parameters, 40f);
        _adam.Step();
    }
}

/// <summary>sac_update_ms: SAC at cartpole sizes (obs 4, act 1): twin Q [5 -> 256 -> 256 -> 1] with
/// targets (tau 0.005), tanh-Gaussian actor [4 -> 256 -> 256 -> 2], temperature 0.2.</summary>
internal sealed class SacUpdate : INnWorkload
{
    private const int Obs = 4, Act = 1, Hidden = 256;
    private readonly Tape _tape;
    private readonly Mlp _q1, _q2, _q1Target, _q2Target, _actor;
    private readonly Adam _qAdam, _actorAdam;
    private readonly Tensor[] _qTargets;
    private readonly Xoshiro256StarStar _noise;
    private readonly Tensor _s, _a, _r, _sNext, _notDone;

    public SacUpdate(ComputeOptions compute, int seed)
    {
        var rng = new Xoshiro256StarStar((ulong)seed + 2);
        _tape = new Tape(compute);
        _q1 = new Mlp(Obs + Act, [Hidden, Hidden], 1, rng);
        _q2 = new Mlp(Obs + Act, [Hidden, Hidden], 1, rng);
        _q1Target = new Mlp(Obs + Act, [Hidden, Hidden], 1, rng);
        _q2Target = new Mlp(Obs + Act, [Hidden, Hidden], 1, rng);
        _actor = new Mlp(Obs, [Hidden, Hidden], 2 * Act, rng);
        _qAdam = new Adam([.. _q1.Parameters, .. _q2.Parameters], 3e-4f, compute: compute);
        _qTargets = [.. _q1Target.Parameters, .. _q2Target.Parameters];
        _actorAdam = new Adam(_actor.Parameters, 3e-4f, compute: compute);
        _noise = rng.Split();
        _s = NnWorkloads.Normal(rng, NnWorkloads.Batch, Obs);
        _a = Tensor.Matrix(NnWorkloads.Batch, Act);
        rng.FillUniform(_a.Data, -1f, 1f);
        _r = NnWorkloads.Normal(rng, NnWorkloads.Batch, 1);
        _sNext = NnWorkloads.Normal(rng, NnWorkloads.Batch, Obs);
        _notDone = Tensor.Matrix(NnWorkloads.Batch, 1);
        _notDone.Data.Fill(1f);
    }

    public string Key => "sac_update_ms";
    public int Repetitions => 200;
    public int Warmup => 20;
    public double GemmFlops => 0;

    public void Step()
    {
        var tape = _tape;
        tape.Reset();
        Tensor y;
        using (tape.NoGrad())
        {
            var next = GaussianPolicy.SampleTanh(tape, _actor.Forward(tape, _sNext), _noise);
            var xNext = tape.Concat(_sNext, next.Action);
            var softQ = tape.Sub(tape.Minimum(_q1Target.Forward(tape, xNext), _q2Target.Forward(tape, xNext)), tape.Scale(next.LogProb, 0.2f));
            y = tape.Add(_r, tape.Scale(tape.Mul(_notDone, softQ), 0.99f));
        }
        var x = tape.Concat(_s, _a);
        var qLoss = tape.Add(tape.Mse(_q1.Forward(tape, x), y), tape.Mse(_q2.Forward(tape, x), y));
        _qAdam.ZeroGrad();
        tape.Backward(qLoss);
        // The anchor's Polyak update of both targets (at the end of its step; the actor update below
        // reads neither the targets nor changes the Q weights, so the values are the same).
        _qAdam.Step(_qTargets, 0.005f);

        // The critic graph is finished with; the actor's is recorded on a fresh tape.
        tape.Reset();
        var sample = GaussianPolicy.SampleTanh(tape, _actor.Forward(tape, _s), _noise);
        var xNew = tape.Concat(_s, sample.Action);
        var actorLoss = tape.Mean(tape.Sub(tape.Scale(sample.LogProb, 0.2f), tape.Minimum(_q1.Forward(tape, xNew), _q2.Forward(tape, xNew))));
        _actorAdam.ZeroGrad();
        tape.Backward(actorLoss);
        _actorAdam.Step();
    }
}

/// <summary>infer_b1_us / infer_b100_us / infer_b4096_us: the twin-head critic's pessimistic risk (max over heads
/// of the sigmoid outputs) for a batch of candidate (state, action) rows, through the engine's forward-only
/// path (<see cref="MlpForward"/>, what <c>SafetyCritic.Score</c> runs), weights in one flat tensor
/// initialised as torch.nn.Linear does.</summary>
internal sealed class CriticInference : INnWorkload
{
    private const int Obs = 2, Act = 2, Hidden = 256, Heads = 2;
    private readonly MlpForward _critic;
    private readonly Tensor _parameters;
    private readonly float[] _x;
    private readonly float[] _q;
    private readonly float[] _risk;
    private readonly int _rows;

    public CriticInference(ComputeOptions compute, int seed, int rows, string key, int repetitions)
    {
        var rng = new Xoshiro256StarStar((ulong)seed + 3);
        int[] widths = [Obs + Act, Hidden, Hidden, Heads];
        var layers = new DenseLayer[widths.Length - 1];
        int offset = 0;
        for (int l = 0; l < layers.Length; l++)
        {
            var act = l == layers.Length - 1 ? Activation.Sigmoid : Activation.Relu;
            layers[l] = new DenseLayer(widths[l], widths[l + 1], offset, offset + widths[l] * widths[l + 1], act);
            offset += widths[l] * widths[l + 1] + widths[l + 1];
        }
        _parameters = Tensor.Vector(offset);
        foreach (var layer in layers)
        {
            float bound = 1f / MathF.Sqrt(layer.Inputs);
            rng.FillUniform(_parameters.Data.Slice(layer.WeightOffset, layer.Inputs * layer.Outputs + layer.Outputs), -bound, bound);
        }
        _critic = new MlpForward(layers, compute);
        _x = NnWorkloads.Normal(rng, rows, Obs + Act).Data.ToArray();
        _q = new float[rows * Heads];
        _risk = new float[rows];
        _rows = rows;
        Key = key;
        Repetitions = repetitions;
    }

    public string Key { get; }
    public int Repetitions { get; }
    public int Warmup => 20;
    public double GemmFlops => NnWorkloads.LayerFlops(_rows, Obs + Act, Hidden, Hidden, Heads);

    public void Step()
    {
        _critic.Run(_parameters, _x, _rows, _q);
        for (int i = 0; i < _rows; i++) _risk[i] = MathF.Max(_q[2 * i], _q[2 * i + 1]);
    }
}
