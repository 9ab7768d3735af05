using OfflineSafety.Nn.Autodiff;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Training;

/// <summary>
/// MESA's outer gradient for one task, exactly (MAML through n inner SGD steps):
/// <code>
///   psi_0 = psi;  psi_{k+1} = psi_k - alpha (.) g_k,  g_k = grad L_in(psi_k)      alpha per tensor
///   outer loss L_out(psi_n)
///   u = grad L_out(psi_n);  for k = n-1 .. 0:
///       dL/dl_t += -sigmoid(l_t) &lt;g_k, u&gt;_t        (alpha_t = softplus(l_t))
///       u = u - H_in(psi_k) (alpha (.) u)            (dropped for first-order MAML)
///   grad_psi = u
/// </code>
/// H v is the exact Hessian-vector product from the R-operator, so this is the second-order MAML
/// gradient without building a graph of the inner step. Buffers are sized once.
/// </summary>
public sealed class MetaGradient
{
    private readonly MlpShape _shape;
    private readonly int _innerSteps;
    private readonly bool _firstOrder;
    private readonly MlpPass _innerPass;
    private readonly MlpPass _outerPass;
    private readonly float[][] _trajectory;     // psi_0 .. psi_n
    private readonly float[][] _innerGradients; // g_0 .. g_{n-1}
    private readonly float[] _u;
    private readonly float[] _scaled;
    private readonly float[] _hessianVector;
    private readonly float[] _stepSizes;        // alpha per tensor

    public MetaGradient(MlpShape shape, int innerSteps, bool firstOrder, int innerBatchSize, int outerBatchSize, ComputeOptions? compute = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(innerSteps);
        _shape = shape;
        _innerSteps = innerSteps;
        _firstOrder = firstOrder;
        _innerPass = new MlpPass(shape, innerBatchSize, compute);
        _outerPass = new MlpPass(shape, outerBatchSize, compute);
        int p = shape.ParameterCount;
        _trajectory = new float[innerSteps + 1][];
        for (int k = 0; k <= innerSteps; k++) _trajectory[k] = new float[p];
        _innerGradients = new float[innerSteps][];
        for (int k = 0; k < innerSteps; k++) _innerGradients[k] = new float[p];
        _u = new float[p];
        _scaled = new float[p];
        _hessianVector = new float[p];
        _stepSizes = new float[shape.Tensors.Count];
    }

    /// <summary>Adapted parameters psi_n of the latest call.</summary>
    public ReadOnlySpan<float> Adapted => _trajectory[_innerSteps];

    /// <summary>
    /// Adds <paramref name="scale"/> x the meta-gradient of L_out(psi_n) to <paramref name="outerGradient"/>
    /// and, when given, the gradient with respect to the raw step sizes l to <paramref name="rateGradient"/>.
    /// Batches must carry their targets already. Returns the outer loss (unscaled).
    /// </summary>
    /// <paramref name="kept"/>: the persistent tensor whose values the parameters are, if any: the
    /// products at psi_0 then reuse its packed weight panels, shared by every task of a meta-iteration.
    public float Accumulate(ReadOnlySpan<float> parameters, ReadOnlySpan<float> rawStepSizes, CriticBatch inner, CriticBatch outer,
        float scale, Span<float> outerGradient, Span<float> rateGradient, Tensor? kept = null)
    {
        InnerSteps(parameters, rawStepSizes, inner, kept);
        float outerLoss = OuterGradient(outer, scale);
        Reverse(rawStepSizes, inner, outerGradient, rateGradient, kept);
        return outerLoss;
    }

    /// <summary>
    /// First stage of <see cref="Accumulate"/>: the n inner steps from psi_0 = <paramref name="parameters"/>
    /// (the inner batch must carry its targets). The stages exist so that a scheduler can run the
    /// stages of different tasks on different cores; called in order they are <see cref="Accumulate"/>.
    /// </summary>
    public void InnerSteps(ReadOnlySpan<float> parameters, ReadOnlySpan<float> rawStepSizes, CriticBatch inner, Tensor? kept = null)
    {
        var tensors = _shape.Tensors;
        for (int t = 0; t < tensors.Count; t++) _stepSizes[t] = Softplus(rawStepSizes[t]);

        parameters.CopyTo(_trajectory[0]);
        for (int k = 0; k < _innerSteps; k++)
        {
            RiskLoss.Gradient(_innerPass, _trajectory[k], inner, _innerGradients[k], accumulate: false, kept: k == 0 ? kept : null);
            for (int t = 0; t < tensors.Count; t++)
            {
                var tensor = tensors[t];
                var from = _trajectory[k].AsSpan(tensor.Offset, tensor.Length);
                var to = _trajectory[k + 1].AsSpan(tensor.Offset, tensor.Length);
                var g = _innerGradients[k].AsSpan(tensor.Offset, tensor.Length);
                // Multiply, then subtract (no fused multiply-add): the same roundings as the scalar loop it replaced.
                TensorPrimitives.Multiply(g, _stepSizes[t], to);
                TensorPrimitives.Subtract(from, to, to);
            }
        }
    }

    /// <summary>Second stage: u = scale x grad L_out(psi_n) on the outer batch (with its targets); returns L_out (unscaled).</summary>
    public float OuterGradient(CriticBatch outer, float scale) =>
        RiskLoss.Gradient(_outerPass, _trajectory[_innerSteps], outer, _u, accumulate: false, scale);

    /// <summary>
    /// Last stage: back through the inner steps (the same inner batch and kept tensor as
    /// <see cref="InnerSteps"/>); adds the outer gradient to <paramref name="outerGradient"/> and the
    /// step-size gradient to <paramref name="rateGradient"/> unless it is empty.
    /// </summary>
    public void Reverse(ReadOnlySpan<float> rawStepSizes, CriticBatch inner, Span<float> outerGradient, Span<float> rateGradient, Tensor? kept = null)
    {
        var tensors = _shape.Tensors;
        for (int k = _innerSteps - 1; k >= 0; k--)
        {
            if (!rateGradient.IsEmpty)
                for (int t = 0; t < tensors.Count; t++)
                {
                    var tensor = tensors[t];
                    double dot = 0;
                    var g = _innerGradients[k].AsSpan(tensor.Offset, tensor.Length);
                    var u = _u.AsSpan(tensor.Offset, tensor.Length);
                    for (int i = 0; i < g.Length; i++) dot += (double)g[i] * u[i];
                    rateGradient[t] -= Sigmoid(rawStepSizes[t]) * (float)dot;
                }
            if (_firstOrder) continue;
            // The inner pass last saw psi_{n-1}; earlier steps need their forward/backward state again.
            if (k != _innerSteps - 1) RiskLoss.Gradient(_innerPass, _trajectory[k], inner, _hessianVector, accumulate: false, kept: k == 0 ? kept : null);
            for (int t = 0; t < tensors.Count; t++)
            {
                var tensor = tensors[t];
                TensorPrimitives.Multiply(_u.AsSpan(tensor.Offset, tensor.Length), _stepSizes[t], _scaled.AsSpan(tensor.Offset, tensor.Length));
            }
            RiskLoss.HessianVector(_innerPass, _trajectory[k], _scaled, _hessianVector, kept: k == 0 ? kept : null);
            TensorPrimitives.Subtract(_u, _hessianVector, _u);
        }

        TensorPrimitives.Add(outerGradient[.._u.Length], _u, outerGradient);
    }

    public static float Softplus(float x) => x > 20f ? x : MathF.Log(1f + MathF.Exp(x));

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
