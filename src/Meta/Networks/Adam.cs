namespace OfflineSafety.Meta.Networks;

/// <summary>
/// Adam (Kingma and Ba; PyTorch's defaults beta1 0.9, beta2 0.999, eps 1e-8) over a flat parameter
/// vector. Moments are preallocated, so a step allocates nothing.
/// </summary>
public sealed class Adam
{
    private readonly float[] _m;
    private readonly float[] _v;
    private readonly float _beta1;
    private readonly float _beta2;
    private readonly float _eps;
    private int _t;

    public Adam(int parameters, float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f)
    {
        _m = new float[parameters];
        _v = new float[parameters];
        LearningRate = learningRate;
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
    }

    public float LearningRate { get; set; }
    public int Steps => _t;

    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        if (parameters.Length != _m.Length || gradient.Length != _m.Length)
            throw new ArgumentException($"Adam holds {_m.Length} parameters, got {parameters.Length} values and {gradient.Length} gradients");
        _t++;
        float b1 = _beta1, b2 = _beta2;
        float correction1 = 1f - MathF.Pow(b1, _t);
        float correction2 = 1f - MathF.Pow(b2, _t);
        float stepSize = LearningRate / correction1;
        float sqrtCorrection2 = MathF.Sqrt(correction2);
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradient[i];
            float m = _m[i] = b1 * _m[i] + (1f - b1) * g;
            float v = _v[i] = b2 * _v[i] + (1f - b2) * g * g;
            parameters[i] -= stepSize * m / (MathF.Sqrt(v) / sqrtCorrection2 + _eps);
        }
    }
}

/// <summary>Vector operations on flat parameter vectors used by the trainers.</summary>
public static class ParameterVector
{
    /// <summary>target = (1 - tau) target + tau source: the slow-moving target network.</summary>
    public static void Polyak(Span<float> target, ReadOnlySpan<float> source, float tau)
    {
        for (int i = 0; i < target.Length; i++) target[i] += tau * (source[i] - target[i]);
    }

    /// <summary>Scales the gradient to at most <paramref name="maxNorm"/> in global L2 norm; returns the norm before clipping.</summary>
    public static float ClipNorm(Span<float> gradient, float maxNorm)
    {
        double sumSq = 0;
        foreach (float g in gradient) sumSq += (double)g * g;
        float norm = (float)Math.Sqrt(sumSq);
        if (norm > maxNorm)
        {
            // PyTorch's clip_grad_norm_ adds 1e-6 to the norm; keep it so clipped runs match.
            float scale = maxNorm / (norm + 1e-6f);
            for (int i = 0; i < gradient.Length; i++) gradient[i] *= scale;
        }
        return norm;
    }
}
