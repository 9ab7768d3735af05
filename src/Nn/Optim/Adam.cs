using OfflineSafety.Nn.Autodiff;

namespace OfflineSafety.Nn.Optim;

/// <summary>
/// Adam with PyTorch's (single-tensor, non-AMSGrad) update order: m lerps toward g, v accumulates g^2,
/// step size lr / (1 - beta1^t), denominator sqrt(v) / sqrt(1 - beta2^t) + eps. Bias corrections are
/// computed in double and applied in float32, as torch does. Parameters without a gradient are skipped.
/// </summary>
public sealed class Adam
{
    readonly Tensor[] _parameters;
    readonly float[][] _m;
    readonly float[][] _v;

    public float LearningRate { get; set; }
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public float WeightDecay { get; }
    public long StepCount { get; private set; }
    public IReadOnlyList<Tensor> Parameters => _parameters;

    public Adam(IReadOnlyList<Tensor> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
        float epsilon = 1e-8f, float weightDecay = 0f)
    {
        if (!(learningRate >= 0f)) throw new ArgumentOutOfRangeException(nameof(learningRate), $"learning rate must be >= 0, got {learningRate}");
        if (!(beta1 is >= 0f and < 1f) || !(beta2 is >= 0f and < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), $"betas must lie in [0, 1), got {beta1}, {beta2}");
        _parameters = [.. parameters];
        _m = new float[_parameters.Length][];
        _v = new float[_parameters.Length][];
        for (int i = 0; i < _parameters.Length; i++)
        {
            _m[i] = new float[_parameters[i].Length];
            _v[i] = new float[_parameters[i].Length];
        }
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

    public void Step()
    {
        StepCount++;
        double bc1 = 1.0 - Math.Pow(Beta1, StepCount);
        double bc2 = 1.0 - Math.Pow(Beta2, StepCount);
        float stepSize = (float)(LearningRate / bc1);
        float bc2Sqrt = (float)Math.Sqrt(bc2);
        float w1 = 1f - Beta1, b2 = Beta2, w2 = 1f - Beta2, eps = Epsilon, wd = WeightDecay;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var grad = _parameters[i].Grad;
            if (grad is null) continue;
            var p = _parameters[i].Data;
            var m = _m[i];
            var v = _v[i];
            for (int j = 0; j < p.Length; j++)
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
}
