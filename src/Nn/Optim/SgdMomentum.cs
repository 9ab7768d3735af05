using OfflineSafety.Nn.Autodiff;

namespace OfflineSafety.Nn.Optim;

/// <summary>
/// SGD with momentum in torch.optim.SGD's form: the buffer starts as the first gradient, then
/// buf = momentum*buf + (1 - dampening)*g; the step uses buf (or g + momentum*buf with Nesterov).
/// </summary>
public sealed class SgdMomentum
{
    readonly Tensor[] _parameters;
    readonly float[]?[] _buffers;

    public float LearningRate { get; set; }
    public float Momentum { get; }
    public float Dampening { get; }
    public bool Nesterov { get; }
    public float WeightDecay { get; }
    public IReadOnlyList<Tensor> Parameters => _parameters;

    public SgdMomentum(IReadOnlyList<Tensor> parameters, float learningRate, float momentum = 0f, float dampening = 0f,
        bool nesterov = false, float weightDecay = 0f)
    {
        if (!(learningRate >= 0f)) throw new ArgumentOutOfRangeException(nameof(learningRate), $"learning rate must be >= 0, got {learningRate}");
        if (nesterov && (momentum <= 0f || dampening != 0f)) throw new ArgumentException("Nesterov momentum requires momentum > 0 and zero dampening");
        _parameters = [.. parameters];
        _buffers = new float[]?[_parameters.Length];
        LearningRate = learningRate;
        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
    }

    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.ZeroGrad();
    }

    public void Step()
    {
        float lr = LearningRate, mu = Momentum, damp = 1f - Dampening, wd = WeightDecay;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var grad = _parameters[i].Grad;
            if (grad is null) continue;
            var p = _parameters[i].Data;
            float[]? buf = _buffers[i];
            bool first = buf is null;
            if (mu != 0f && first) buf = _buffers[i] = new float[p.Length];
            for (int j = 0; j < p.Length; j++)
            {
                float d = grad[j];
                if (wd != 0f) d += wd * p[j];
                if (mu != 0f)
                {
                    float b = first ? d : mu * buf![j] + damp * d;
                    buf![j] = b;
                    d = Nesterov ? d + mu * b : b;
                }
                p[j] += -lr * d;
            }
        }
    }
}
