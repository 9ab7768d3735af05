using System.Runtime.Intrinsics;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Nn.Optim;

/// <summary>
/// Adam with PyTorch's (single-tensor, non-AMSGrad) update order: m lerps toward g, v accumulates g^2,
/// step size lr / (1 - beta1^t), denominator sqrt(v) / sqrt(1 - beta2^t) + eps. Bias corrections are
/// computed in double and applied in float32, as torch does. Parameters without a gradient are skipped.
/// The update is element-wise, so it is cut into contiguous ranges across cores without changing any value.
/// </summary>
public sealed class Adam : IPartedWork
{
    // Below this many parameters the update takes a few microseconds and waking a core costs more.
    const int SplitMinElements = 32 * 1024;

    readonly Tensor[] _parameters;
    readonly float[][] _m;
    readonly float[][] _v;
    readonly long[] _starts;
    readonly long _total;
    readonly int _threads;
    // This step's constants, read by the parts.
    float _stepSize, _bc2Sqrt;
    int _parts;
    IReadOnlyList<Tensor>? _targets;
    float _tau;

    public float LearningRate { get; set; }
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public float WeightDecay { get; }
    public long StepCount { get; private set; }
    public IReadOnlyList<Tensor> Parameters => _parameters;

    public Adam(IReadOnlyList<Tensor> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
        float epsilon = 1e-8f, float weightDecay = 0f, ComputeOptions? compute = null)
    {
        if (!(learningRate >= 0f)) throw new ArgumentOutOfRangeException(nameof(learningRate), $"learning rate must be >= 0, got {learningRate}");
        if (!(beta1 is >= 0f and < 1f) || !(beta2 is >= 0f and < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), $"betas must lie in [0, 1), got {beta1}, {beta2}");
        _parameters = [.. parameters];
        _m = new float[_parameters.Length][];
        _v = new float[_parameters.Length][];
        _starts = new long[_parameters.Length + 1];
        for (int i = 0; i < _parameters.Length; i++)
        {
            _m[i] = new float[_parameters[i].Length];
            _v[i] = new float[_parameters[i].Length];
            _starts[i + 1] = _starts[i] + _parameters[i].Length;
        }
        _total = _starts[^1];
        _threads = (compute ?? ComputeOptions.Default).Threads;
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
    }

    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.ZeroGrad();
    }

    public void Step() => Step(null, 0f);

    /// <summary>
    /// The Adam step, then the Polyak update of a target copy of the parameters,
    /// target = (1 - tau) target + tau * parameter, as <see cref="PolyakAveraging.Update"/> gives it.
    /// Each range of values is blended right after its update, while it is still in the cache of the
    /// core that updated it, instead of in a second pass (and a second hand-off between cores).
    /// </summary>
    /// <param name="targets">One tensor per parameter, of the same length, in the same order.</param>
    public void Step(IReadOnlyList<Tensor>? targets, float tau)
    {
        if (targets is not null)
        {
            if (targets.Count != _parameters.Length) throw new ArgumentException($"{targets.Count} target tensors for {_parameters.Length} parameters", nameof(targets));
            for (int i = 0; i < _parameters.Length; i++)
                if (targets[i].Length != _parameters[i].Length)
                    throw new ArgumentException($"target {i} is {targets[i].ShapeText}, the parameter {_parameters[i].ShapeText}", nameof(targets));
            if (!(tau is >= 0f and <= 1f)) throw new ArgumentOutOfRangeException(nameof(tau), $"tau must lie in [0, 1], got {tau}");
        }
        _targets = targets;
        _tau = tau;
        StepCount++;
        double bc1 = 1.0 - Math.Pow(Beta1, StepCount);
        double bc2 = 1.0 - Math.Pow(Beta2, StepCount);
        _stepSize = (float)(LearningRate / bc1);
        _bc2Sqrt = (float)Math.Sqrt(bc2);
        _parts = _total < SplitMinElements ? 1 : (int)Math.Min(_threads, _total / (SplitMinElements / 2));
        try
        {
            PartSplit.Run(this, _parts, _parts);
        }
        finally
        {
            _targets = null;
        }
    }

    // Part p updates elements [total * p / parts, total * (p + 1) / parts) of the parameters laid end to end.
    void IPartedWork.RunPart(int part)
    {
        long begin = _total * part / _parts, end = _total * (part + 1) / _parts;
        float w1 = 1f - Beta1, b2 = Beta2, w2 = 1f - Beta2, eps = Epsilon, wd = WeightDecay;
        for (int i = 0; i < _parameters.Length; i++)
        {
            long lo = Math.Max(begin, _starts[i]), hi = Math.Min(end, _starts[i + 1]);
            var grad = _parameters[i].Grad;
            if (lo >= hi) continue;
            int from = (int)(lo - _starts[i]), count = (int)(hi - lo);
            var values = _parameters[i].Data.Slice(from, count);
            // A parameter without a gradient is not stepped, but its target still tracks it.
            if (grad is not null)
                Update(values, grad.AsSpan(from, count), _m[i].AsSpan(from, count), _v[i].AsSpan(from, count),
                    _stepSize, _bc2Sqrt, w1, b2, w2, eps, wd);
            if (_targets is { } targets) PolyakAveraging.Blend(targets[i].Data.Slice(from, count), values, _tau);
        }
    }

    // Vector lanes and the scalar tail perform the same IEEE operations in the same order (no fused
    // multiply-add), so every element gets the value the scalar formula gives.
    static void Update(Span<float> p, ReadOnlySpan<float> grad, Span<float> m, Span<float> v,
        float stepSize, float bc2Sqrt, float w1, float b2, float w2, float eps, float wd)
    {
        int j = 0;
        if (wd == 0f)
        {
            var vw1 = Vector256.Create(w1); var vb2 = Vector256.Create(b2); var vw2 = Vector256.Create(w2);
            var vbc = Vector256.Create(bc2Sqrt); var veps = Vector256.Create(eps); var vstep = Vector256.Create(-stepSize);
            for (; j <= p.Length - 8; j += 8)
            {
                var g = Vector256.Create(grad.Slice(j, 8));
                var mj = Vector256.Create(m.Slice(j, 8));
                mj += vw1 * (g - mj);
                var vj = Vector256.Create(v.Slice(j, 8)) * vb2 + vw2 * g * g;
                var denom = Vector256.Sqrt(vj) / vbc + veps;
                var pj = Vector256.Create(p.Slice(j, 8)) + vstep * (mj / denom);
                mj.CopyTo(m.Slice(j, 8));
                vj.CopyTo(v.Slice(j, 8));
                pj.CopyTo(p.Slice(j, 8));
            }
        }
        for (; j < p.Length; j++)
        {
            float g = grad[j];
            if (wd != 0f) g += wd * p[j];
            m[j] += w1 * (g - m[j]);
            v[j] = v[j] * b2 + w2 * g * g;
            float denom = MathF.Sqrt(v[j]) / bc2Sqrt + eps;
            p[j] += -stepSize * (m[j] / denom);
        }
    }
}
