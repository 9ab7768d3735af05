using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Networks;

/// <summary>
/// Preallocated buffers for evaluating one <see cref="MlpShape"/> on up to MaxRows rows, and the
/// hand-derived derivatives that MESA needs, all on Nn's GEMM kernels:
/// <list type="bullet">
/// <item><see cref="Forward"/>: activations a_l = act(a_{l-1} W_l^T + b_l).</item>
/// <item><see cref="Backward"/>: reverse mode from dL/dy (written into <see cref="OutputGradient"/>) to
/// parameter gradients and, optionally, the input gradient.</item>
/// <item><see cref="ForwardR"/> / <see cref="BackwardR"/>: Pearlmutter's R-operator, the directional
/// derivative of the forward and backward passes along a parameter direction v; BackwardR yields the
/// exact Hessian-vector product H v (the caller supplies R(dL/dy), which depends on its loss).</item>
/// </list>
/// Nothing is allocated after construction. Hidden layers are ReLU, whose second derivative is zero
/// almost everywhere, so the R-backward only carries the output activation's curvature.
/// </summary>
public sealed class MlpPass
{
    private readonly float[][] _act;     // a_l, l = 0 (input copy) .. L
    private readonly float[][] _grad;    // dL/dz_l for l = 1..L; _grad[0] is dL/da_0 (input gradient)
    private readonly float[][] _rAct;    // R(a_l)
    private readonly float[][] _rGrad;   // R(dL/dz_l)
    private readonly float[] _outputGradient;
    private readonly float[] _rOutputGradient;
    private readonly ComputeOptions _compute;

    public MlpPass(MlpShape shape, int maxRows, ComputeOptions? compute = null)
    {
        Shape = shape;
        MaxRows = maxRows;
        _compute = compute ?? ComputeOptions.Default;
        int layers = shape.Layers;
        _act = new float[layers + 1][];
        _grad = new float[layers + 1][];
        _rAct = new float[layers + 1][];
        _rGrad = new float[layers + 1][];
        for (int l = 0; l <= layers; l++)
        {
            int size = maxRows * shape.Widths[l];
            _act[l] = new float[size];
            _grad[l] = new float[size];
            _rAct[l] = new float[size];
            _rGrad[l] = new float[size];
        }
        _outputGradient = new float[maxRows * shape.Outputs];
        _rOutputGradient = new float[maxRows * shape.Outputs];
    }

    public MlpShape Shape { get; }
    public int MaxRows { get; }
    public int Rows { get; private set; }

    /// <summary>y after the output activation, [Rows, Outputs].</summary>
    public ReadOnlySpan<float> Output => _act[Shape.Layers].AsSpan(0, Rows * Shape.Outputs);

    /// <summary>Written by the caller before <see cref="Backward"/>: dL/dy, [Rows, Outputs].</summary>
    public Span<float> OutputGradient => _outputGradient.AsSpan(0, Rows * Shape.Outputs);

    /// <summary>dL/dx after a <see cref="Backward"/> that asked for it, [Rows, Inputs].</summary>
    public ReadOnlySpan<float> InputGradient => _grad[0].AsSpan(0, Rows * Shape.Inputs);

    /// <summary>R(y) after <see cref="ForwardR"/>.</summary>
    public ReadOnlySpan<float> ROutput => _rAct[Shape.Layers].AsSpan(0, Rows * Shape.Outputs);

    /// <summary>Written by the caller before <see cref="BackwardR"/>: R(dL/dy).</summary>
    public Span<float> ROutputGradient => _rOutputGradient.AsSpan(0, Rows * Shape.Outputs);

    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, int rows)
    {
        if ((uint)rows > (uint)MaxRows) throw new ArgumentOutOfRangeException(nameof(rows), $"{rows} rows, the pass holds {MaxRows}");
        Rows = rows;
        var shape = Shape;
        input[..(rows * shape.Inputs)].CopyTo(_act[0]);
        for (int l = 0; l < shape.Layers; l++)
        {
            int inF = shape.Widths[l], outF = shape.Widths[l + 1];
            Gemm.LinearForward(_act[l].AsSpan(0, rows * inF), rows, inF, Weight(parameters, l), Bias(parameters, l), outF,
                _act[l + 1].AsSpan(0, rows * outF), shape.ActivationOf(l), _compute);
        }
        return Output;
    }

    /// <summary>
    /// <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/> with the parameters in a
    /// persistent tensor: each layer's packed weight panels are kept while the tensor's version is
    /// unchanged, so scoring with a fixed model does not repack its weights on every call.
    /// </summary>
    public ReadOnlySpan<float> Forward(OfflineSafety.Nn.Autodiff.Tensor parameters, ReadOnlySpan<float> input, int rows)
    {
        if ((uint)rows > (uint)MaxRows) throw new ArgumentOutOfRangeException(nameof(rows), $"{rows} rows, the pass holds {MaxRows}");
        Rows = rows;
        var shape = Shape;
        input[..(rows * shape.Inputs)].CopyTo(_act[0]);
        for (int l = 0; l < shape.Layers; l++)
        {
            int inF = shape.Widths[l], outF = shape.Widths[l + 1];
            Gemm.LinearForward(_act[l].AsSpan(0, rows * inF), rows, inF, parameters, shape.WeightOffset(l), Bias(parameters.Values, l), outF,
                _act[l + 1].AsSpan(0, rows * outF), shape.ActivationOf(l), _compute);
        }
        return Output;
    }

    /// <summary>
    /// Reverse pass after <see cref="Forward"/> with dL/dy in <see cref="OutputGradient"/>. Parameter
    /// gradients go to <paramref name="gradient"/> (overwritten, or added to when accumulating; empty to
    /// skip); the input gradient is computed when <paramref name="inputGradient"/> is true. When the
    /// parameters are the values of a persistent tensor, pass it as <paramref name="kept"/>: products
    /// with its weights reuse its packed panels (the K tasks of a meta-iteration pack psi once).
    /// </summary>
    public void Backward(ReadOnlySpan<float> parameters, Span<float> gradient, bool accumulate, bool inputGradient = false, Tensor? kept = null)
    {
        var shape = Shape;
        int rows = Rows, top = shape.Layers;
        var gOut = _grad[top].AsSpan(0, rows * shape.Outputs);
        OutputGradient.CopyTo(gOut);
        Activations.Backward(shape.OutputActivation, _act[top].AsSpan(0, rows * shape.Outputs), gOut);
        for (int l = top - 1; l >= 0; l--)
        {
            int inF = shape.Widths[l], outF = shape.Widths[l + 1];
            bool needDx = l > 0 || inputGradient;
            var dz = _grad[l + 1].AsSpan(0, rows * outF);
            var dx = needDx ? _grad[l].AsSpan(0, rows * inF) : Span<float>.Empty;
            if (kept is not null && needDx)
            {
                InputProduct(kept, l, dz, dx);
                dx = Span<float>.Empty;
            }
            Gemm.LinearBackward(_act[l].AsSpan(0, rows * inF), rows, inF, Weight(parameters, l), outF, dz, dx,
                gradient.IsEmpty ? Span<float>.Empty : gradient.Slice(shape.WeightOffset(l), outF * inF),
                gradient.IsEmpty ? Span<float>.Empty : gradient.Slice(shape.BiasOffset(l), outF), accumulate, _compute);
            if (l > 0) Activations.Backward(Activation.Relu, _act[l].AsSpan(0, rows * inF), _grad[l].AsSpan(0, rows * inF));
        }
    }

    // dX = dZ W_l (overwritten) through the kept panels of the tensor holding the parameters: the
    // same product LinearBackward computes first, so results are unchanged.
    private void InputProduct(Tensor kept, int l, ReadOnlySpan<float> dz, Span<float> dx)
    {
        int inF = Shape.Widths[l], outF = Shape.Widths[l + 1];
        Gemm.Sgemm(false, false, Rows, inF, outF, 1f, dz, outF, kept, Shape.WeightOffset(l), inF, 0f, dx, inF, _compute);
    }

    /// <summary>R-forward along parameter direction <paramref name="direction"/>, after <see cref="Forward"/>.</summary>
    public ReadOnlySpan<float> ForwardR(ReadOnlySpan<float> parameters, ReadOnlySpan<float> direction, Tensor? kept = null)
    {
        var shape = Shape;
        int rows = Rows;
        for (int l = 0; l < shape.Layers; l++)
        {
            int inF = shape.Widths[l], outF = shape.Widths[l + 1];
            var rz = _rAct[l + 1].AsSpan(0, rows * outF);
            // R(z) = a_{l-1} V^T + v_b + R(a_{l-1}) W^T; the input does not depend on the parameters, so R(a_0) = 0.
            Gemm.LinearForward(_act[l].AsSpan(0, rows * inF), rows, inF, Weight(direction, l), Bias(direction, l), outF, rz, Activation.None, _compute);
            if (l > 0 && kept is not null)
                Gemm.Sgemm(false, true, rows, outF, inF, 1f, _rAct[l].AsSpan(0, rows * inF), inF, kept, shape.WeightOffset(l), inF, 1f, rz, outF, _compute);
            else if (l > 0)
                Gemm.Sgemm(false, true, rows, outF, inF, 1f, _rAct[l].AsSpan(0, rows * inF), inF, Weight(parameters, l), inF, 1f, rz, outF, _compute);
            // R(a) = act'(z) R(z), and Activations.Backward multiplies by exactly act' written in terms of a.
            Activations.Backward(shape.ActivationOf(l), _act[l + 1].AsSpan(0, rows * outF), rz);
        }
        return ROutput;
    }

    /// <summary>
    /// R-backward after <see cref="Backward"/> and <see cref="ForwardR"/>, with R(dL/dy) in
    /// <see cref="ROutputGradient"/>: writes H v into <paramref name="hessianVector"/> (overwritten).
    /// </summary>
    public void BackwardR(ReadOnlySpan<float> parameters, ReadOnlySpan<float> direction, Span<float> hessianVector, Tensor? kept = null)
    {
        var shape = Shape;
        int rows = Rows, top = shape.Layers, n = rows * shape.Outputs;
        var y = _act[top].AsSpan(0, n);
        var ry = _rAct[top].AsSpan(0, n);
        var gy = _outputGradient.AsSpan(0, n);
        var rgy = _rOutputGradient.AsSpan(0, n);
        var rgz = _rGrad[top].AsSpan(0, n);
        // R(dL/dz) = R(dL/dy) act'(z) + dL/dy act''(z) R(z), with act'' R(z) written through y and R(y).
        switch (shape.OutputActivation)
        {
            case Activation.None:
                rgy.CopyTo(rgz);
                break;
            case Activation.Sigmoid:
                for (int i = 0; i < n; i++) rgz[i] = rgy[i] * y[i] * (1f - y[i]) + gy[i] * (1f - 2f * y[i]) * ry[i];
                break;
            case Activation.Tanh:
                for (int i = 0; i < n; i++) rgz[i] = rgy[i] * (1f - y[i] * y[i]) - 2f * gy[i] * y[i] * ry[i];
                break;
            default:
                throw new NotSupportedException($"output activation {shape.OutputActivation}");
        }
        for (int l = top - 1; l >= 0; l--)
        {
            int inF = shape.Widths[l], outF = shape.Widths[l + 1];
            var dz = _grad[l + 1].AsSpan(0, rows * outF);
            var rdz = _rGrad[l + 1].AsSpan(0, rows * outF);
            var rdx = l > 0 ? _rGrad[l].AsSpan(0, rows * inF) : Span<float>.Empty;
            var hw = hessianVector.Slice(shape.WeightOffset(l), outF * inF);
            // R(dW) = R(dz)^T a + dz^T R(a); R(db) = colsum R(dz); R(dx) = R(dz) W + dz V.
            Gemm.LinearBackward(_act[l].AsSpan(0, rows * inF), rows, inF, Weight(parameters, l), outF, rdz,
                kept is null ? rdx : Span<float>.Empty, hw, hessianVector.Slice(shape.BiasOffset(l), outF), accumulate: false, _compute);
            if (kept is not null && l > 0) InputProduct(kept, l, rdz, rdx);
            if (l > 0)
            {
                Gemm.Sgemm(true, false, outF, inF, rows, 1f, dz, outF, _rAct[l].AsSpan(0, rows * inF), inF, 1f, hw, inF, _compute);
                Gemm.Sgemm(false, false, rows, inF, outF, 1f, dz, outF, Weight(direction, l), inF, 1f, rdx, inF, _compute);
                Activations.Backward(Activation.Relu, _act[l].AsSpan(0, rows * inF), rdx);
            }
        }
    }

    private ReadOnlySpan<float> Weight(ReadOnlySpan<float> parameters, int l) =>
        parameters.Slice(Shape.WeightOffset(l), Shape.Widths[l + 1] * Shape.Widths[l]);

    private ReadOnlySpan<float> Bias(ReadOnlySpan<float> parameters, int l) => parameters.Slice(Shape.BiasOffset(l), Shape.Widths[l + 1]);
}
