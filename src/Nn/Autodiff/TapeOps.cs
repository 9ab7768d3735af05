using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Nn.Autodiff;

// Forward ops. Each computes into a recycled tape tensor and, when an input requires grad and the
// tape is recording, remembers its inputs for the backward rule in Tape.Propagate.
public sealed partial class Tape
{
    // ---------------------------------------------------------------- creation

    /// <summary>A tape-owned constant copied from <paramref name="values"/> (no grad).</summary>
    public Tensor Constant(ReadOnlySpan<float> values, int rows, int cols)
    {
        if (values.Length != rows * cols) throw new ArgumentException($"expected {rows * cols} values for shape [{rows}, {cols}], got {values.Length}", nameof(values));
        var o = Allocate(2, rows, cols);
        values.CopyTo(o.Data);
        return o;
    }

    public Tensor Full(int rows, int cols, float value)
    {
        var o = Allocate(2, rows, cols);
        o.Data.Fill(value);
        return o;
    }

    /// <summary>Standard-normal noise drawn from <paramref name="rng"/> (no grad), e.g. for reparameterised samples.</summary>
    public Tensor Normal(int rows, int cols, Randomness.Xoshiro256StarStar rng)
    {
        var o = Allocate(2, rows, cols);
        rng.FillNormal(o.Data);
        return o;
    }

    /// <summary>Same values, cut from the graph (torch .detach()).</summary>
    public Tensor Detach(Tensor x)
    {
        CheckOwner(x);
        var o = AllocateLike(x);
        x.Values.CopyTo(o.Data);
        return o;
    }

    // ---------------------------------------------------------------- linear algebra

    /// <summary>op(a) @ op(b) where op transposes when asked.</summary>
    public Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        CheckOwner(a); CheckOwner(b);
        int m = transposeA ? a.Cols : a.Rows, k = transposeA ? a.Rows : a.Cols;
        int kb = transposeB ? b.Cols : b.Rows, n = transposeB ? b.Rows : b.Cols;
        if (k != kb) throw new ArgumentException($"matmul inner dimensions differ: {a.ShapeText}{(transposeA ? "^T" : "")} @ {b.ShapeText}{(transposeB ? "^T" : "")}");
        var o = Allocate(2, m, n);
        // A persistent right operand (a weight, as in a linear layer's input gradient) keeps its packed panels.
        if (b.Owner is null)
            Gemm.Sgemm(transposeA, transposeB, m, n, k, 1f, a.Values, a.Cols, b, 0, b.Cols, 0f, o.Data, n, _compute);
        else
            Gemm.Sgemm(transposeA, transposeB, m, n, k, 1f, a.Values, a.Cols, b.Values, b.Cols, 0f, o.Data, n, _compute);
        if (Tracks(a, b))
        {
            Record(o, OpKind.MatMul, a, b);
            o.I0 = (transposeA ? 1 : 0) | (transposeB ? 2 : 0);
        }
        return o;
    }

    /// <summary>
    /// Fused dense layer: act(x @ weightᵀ + bias) with weight in PyTorch layout [out, in] and
    /// bias [out] (or null). One kernel call forward; the backward reuses the activation output.
    /// </summary>
    public Tensor Linear(Tensor x, Tensor weight, Tensor? bias, Activation activation = Activation.None)
    {
        CheckOwner(x); CheckOwner(weight);
        if (x.Cols != weight.Cols) throw new ArgumentException($"linear: input {x.ShapeText} has {x.Cols} features, weight {weight.ShapeText} expects {weight.Cols}");
        if (bias is not null && bias.Length != weight.Rows) throw new ArgumentException($"linear: bias {bias.ShapeText} does not match {weight.Rows} outputs");
        var o = Allocate(2, x.Rows, weight.Rows);
        var biasValues = bias is null ? ReadOnlySpan<float>.Empty : bias.Values;
        if (weight.Owner is null)
            Gemm.LinearForward(x.Values, x.Rows, x.Cols, weight, 0, biasValues, weight.Rows, o.Data, activation, _compute);
        else
            Gemm.LinearForward(x.Values, x.Rows, x.Cols, weight.Values, biasValues, weight.Rows, o.Data, activation, _compute);
        if (_recording && (x.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false)))
        {
            Record(o, OpKind.Linear, x, weight, bias);
            o.I0 = (int)activation;
        }
        return o;
    }

    // ---------------------------------------------------------------- broadcasting arithmetic

    enum Arith { Add, Sub, Mul, Div }

    public Tensor Add(Tensor a, Tensor b) => Binary(Arith.Add, OpKind.Add, a, b);
    public Tensor Sub(Tensor a, Tensor b) => Binary(Arith.Sub, OpKind.Sub, a, b);
    public Tensor Mul(Tensor a, Tensor b) => Binary(Arith.Mul, OpKind.Mul, a, b);
    public Tensor Div(Tensor a, Tensor b) => Binary(Arith.Div, OpKind.Div, a, b);

    Tensor Binary(Arith kind, OpKind op, Tensor a, Tensor b)
    {
        CheckOwner(a); CheckOwner(b);
        var o = AllocateBroadcast(a, b, op);
        if (a.Rows == b.Rows && a.Cols == b.Cols)
        {
            Apply(kind, a.Values, b.Values, o.Data);
        }
        else
        {
            for (int r = 0; r < o.Rows; r++)
            {
                var ar = a.Row(a.Rows == 1 ? 0 : r);
                var br = b.Row(b.Rows == 1 ? 0 : r);
                var or = o.Row(r);
                if (ar.Length == br.Length) Apply(kind, ar, br, or);
                else if (br.Length == 1) ApplyRightScalar(kind, ar, br[0], or);
                else ApplyLeftScalar(kind, ar[0], br, or);
            }
        }
        if (Tracks(a, b)) Record(o, op, a, b);
        return o;
    }

    Tensor AllocateBroadcast(Tensor a, Tensor b, OpKind op)
    {
        int rows = a.Rows == b.Rows || b.Rows == 1 ? a.Rows : a.Rows == 1 ? b.Rows : -1;
        int cols = a.Cols == b.Cols || b.Cols == 1 ? a.Cols : a.Cols == 1 ? b.Cols : -1;
        if (rows < 0 || cols < 0) throw new ArgumentException($"{op}: shapes {a.ShapeText} and {b.ShapeText} do not broadcast");
        int rank = rows > 1 ? 2 : Math.Max(a.Rank, b.Rank);
        return Allocate(rank, rows, cols);
    }

    static void Apply(Arith kind, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        switch (kind)
        {
            case Arith.Add: TensorPrimitives.Add(x, y, d); break;
            case Arith.Sub: TensorPrimitives.Subtract(x, y, d); break;
            case Arith.Mul: TensorPrimitives.Multiply(x, y, d); break;
            default: TensorPrimitives.Divide(x, y, d); break;
        }
    }

    static void ApplyRightScalar(Arith kind, ReadOnlySpan<float> x, float y, Span<float> d)
    {
        switch (kind)
        {
            case Arith.Add: TensorPrimitives.Add(x, y, d); break;
            case Arith.Sub: TensorPrimitives.Subtract(x, y, d); break;
            case Arith.Mul: TensorPrimitives.Multiply(x, y, d); break;
            default: TensorPrimitives.Divide(x, y, d); break;
        }
    }

    static void ApplyLeftScalar(Arith kind, float x, ReadOnlySpan<float> y, Span<float> d)
    {
        switch (kind)
        {
            case Arith.Add: TensorPrimitives.Add(y, x, d); break;
            case Arith.Sub: TensorPrimitives.Subtract(x, y, d); break;
            case Arith.Mul: TensorPrimitives.Multiply(y, x, d); break;
            default: TensorPrimitives.Divide(x, y, d); break;
        }
    }

    /// <summary>x * scale + shift, elementwise.</summary>
    public Tensor Affine(Tensor x, float scale, float shift)
    {
        CheckOwner(x);
        var o = AllocateLike(x);
        TensorPrimitives.Multiply(x.Values, scale, o.Data);
        if (shift != 0f) TensorPrimitives.Add(o.Data, shift, o.Data);
        if (Tracks(x))
        {
            Record(o, OpKind.Affine, x);
            o.S0 = scale;
            o.S1 = shift;
        }
        return o;
    }

    public Tensor Scale(Tensor x, float scale) => Affine(x, scale, 0f);
    public Tensor AddScalar(Tensor x, float value) => Affine(x, 1f, value);
    public Tensor Neg(Tensor x) => Affine(x, -1f, 0f);
    public Tensor OneMinus(Tensor x) => Affine(x, -1f, 1f);

    // ---------------------------------------------------------------- elementwise functions

    public Tensor Relu(Tensor x) => Unary(OpKind.Relu, x);
    public Tensor Tanh(Tensor x) => Unary(OpKind.Tanh, x);
    public Tensor Sigmoid(Tensor x) => Unary(OpKind.Sigmoid, x);
    /// <summary>log(1 + exp(x)), computed without overflow.</summary>
    public Tensor Softplus(Tensor x) => Unary(OpKind.Softplus, x);
    public Tensor Exp(Tensor x) => Unary(OpKind.Exp, x);
    public Tensor Log(Tensor x) => Unary(OpKind.Log, x);
    public Tensor Square(Tensor x) => Unary(OpKind.Square, x);
    /// <summary>x * sigmoid(x) (SiLU).</summary>
    public Tensor Swish(Tensor x) => Mul(x, Sigmoid(x));

    Tensor Unary(OpKind op, Tensor x)
    {
        CheckOwner(x);
        var o = AllocateLike(x);
        var s = x.Values;
        var d = o.Data;
        switch (op)
        {
            case OpKind.Relu: TensorPrimitives.Max(s, 0f, d); break;
            case OpKind.Tanh: TensorPrimitives.Tanh(s, d); break;
            case OpKind.Sigmoid: TensorPrimitives.Sigmoid(s, d); break;
            case OpKind.Exp: TensorPrimitives.Exp(s, d); break;
            case OpKind.Log: TensorPrimitives.Log(s, d); break;
            case OpKind.Square: TensorPrimitives.Multiply(s, s, d); break;
            case OpKind.Softplus:
                // max(x, 0) + log1p(exp(-|x|)) stays finite for large |x|.
                for (int i = 0; i < s.Length; i++)
                {
                    float v = s[i];
                    d[i] = MathF.Max(v, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(v)));
                }
                break;
            default: throw new InvalidOperationException($"not a unary op: {op}");
        }
        if (Tracks(x)) Record(o, op, x);
        return o;
    }

    /// <summary>Clamps into [min, max]; the gradient passes where min &lt;= x &lt;= max (as PyTorch).</summary>
    public Tensor Clamp(Tensor x, float min, float max)
    {
        CheckOwner(x);
        if (!(min <= max)) throw new ArgumentException($"clamp: min {min} exceeds max {max}");
        var o = AllocateLike(x);
        TensorPrimitives.Clamp(x.Values, min, max, o.Data);
        if (Tracks(x))
        {
            Record(o, OpKind.Clamp, x);
            o.S0 = min;
            o.S1 = max;
        }
        return o;
    }

    /// <summary>Elementwise minimum with broadcasting; ties split the gradient evenly (as PyTorch).</summary>
    public Tensor Minimum(Tensor a, Tensor b) => Extremum(OpKind.Minimum, a, b);
    /// <summary>Elementwise maximum with broadcasting; ties split the gradient evenly (as PyTorch).</summary>
    public Tensor Maximum(Tensor a, Tensor b) => Extremum(OpKind.Maximum, a, b);

    Tensor Extremum(OpKind op, Tensor a, Tensor b)
    {
        CheckOwner(a); CheckOwner(b);
        var o = AllocateBroadcast(a, b, op);
        bool min = op == OpKind.Minimum;
        if (a.Rows == b.Rows && a.Cols == b.Cols)
        {
            if (min) TensorPrimitives.Min(a.Values, b.Values, o.Data);
            else TensorPrimitives.Max(a.Values, b.Values, o.Data);
        }
        else
        {
            for (int r = 0; r < o.Rows; r++)
                for (int c = 0; c < o.Cols; c++)
                {
                    float x = At(a, r, c), y = At(b, r, c);
                    o[r, c] = min ? MathF.Min(x, y) : MathF.Max(x, y);
                }
        }
        if (Tracks(a, b)) Record(o, op, a, b);
        return o;
    }

    static float At(Tensor t, int r, int c) => t[(t.Rows == 1 ? 0 : r) * t.Cols + (t.Cols == 1 ? 0 : c)];

    // ---------------------------------------------------------------- reductions

    /// <summary>Sum of all elements, shape [].</summary>
    public Tensor Sum(Tensor x) => SumAllAs(x, 0);

    /// <summary>Sum along <paramref name="axis"/> (0: over rows -> [1, cols]; 1: over columns -> [rows, 1]), keeping dims.</summary>
    public Tensor Sum(Tensor x, int axis) => axis switch
    {
        0 => SumRowsAs(x, 2),
        1 => SumColsAs(x),
        _ => throw new ArgumentOutOfRangeException(nameof(axis), $"axis must be 0 or 1, got {axis}"),
    };

    public Tensor Mean(Tensor x) => Affine(Sum(x), 1f / x.Length, 0f);

    public Tensor Mean(Tensor x, int axis) => Affine(Sum(x, axis), 1f / (axis == 0 ? x.Rows : x.Cols), 0f);

    Tensor SumAllAs(Tensor x, int rank)
    {
        CheckOwner(x);
        var o = Allocate(rank, 1, 1);
        o[0] = TensorPrimitives.Sum<float>(x.Values);
        if (Tracks(x)) Record(o, OpKind.SumAll, x);
        return o;
    }

    Tensor SumRowsAs(Tensor x, int rank)
    {
        CheckOwner(x);
        var o = Allocate(rank, 1, x.Cols);
        var d = o.Data;
        x.Row(0).CopyTo(d);
        for (int r = 1; r < x.Rows; r++) TensorPrimitives.Add(d, x.Row(r), d);
        if (Tracks(x)) Record(o, OpKind.SumRows, x);
        return o;
    }

    Tensor SumColsAs(Tensor x)
    {
        CheckOwner(x);
        var o = Allocate(2, x.Rows, 1);
        for (int r = 0; r < x.Rows; r++) o[r] = TensorPrimitives.Sum<float>(x.Row(r));
        if (Tracks(x)) Record(o, OpKind.SumCols, x);
        return o;
    }

    /// <summary>Broadcasts x ([1, c], [r, 1] or one element) to [rows, cols].</summary>
    public Tensor Expand(Tensor x, int rows, int cols) => Expand(x, 2, rows, cols);

    Tensor Expand(Tensor x, int rank, int rows, int cols)
    {
        CheckOwner(x);
        if ((x.Rows != 1 && x.Rows != rows) || (x.Cols != 1 && x.Cols != cols))
            throw new ArgumentException($"cannot expand {x.ShapeText} to [{rows}, {cols}]");
        var o = Allocate(rank, rows, cols);
        for (int r = 0; r < rows; r++)
        {
            var or = o.Row(r);
            var xr = x.Row(x.Rows == 1 ? 0 : r);
            if (x.Cols == 1) or.Fill(xr[0]);
            else xr.CopyTo(or);
        }
        if (Tracks(x)) Record(o, OpKind.Expand, x);
        return o;
    }

    /// <summary>Maximum along an axis, keeping dims; the gradient goes to the first maximal element.</summary>
    public Tensor Max(Tensor x, int axis)
    {
        CheckOwner(x);
        if (axis is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(axis), $"axis must be 0 or 1, got {axis}");
        Tensor o;
        int[] idx;
        if (axis == 1)
        {
            o = Allocate(2, x.Rows, 1);
            idx = o.EnsureOwnedInts(x.Rows);
            for (int r = 0; r < x.Rows; r++)
            {
                var row = x.Row(r);
                int best = 0;
                for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
                idx[r] = best;
                o[r] = row[best];
            }
        }
        else
        {
            o = Allocate(2, 1, x.Cols);
            idx = o.EnsureOwnedInts(x.Cols);
            var best = o.Data;
            x.Row(0).CopyTo(best);
            Array.Clear(idx, 0, x.Cols);
            for (int r = 1; r < x.Rows; r++)
            {
                var row = x.Row(r);
                for (int c = 0; c < row.Length; c++)
                    if (row[c] > best[c]) { best[c] = row[c]; idx[c] = r; }
            }
        }
        if (Tracks(x))
        {
            Record(o, OpKind.MaxAlong, x);
            o.I0 = axis;
            o.Ints = idx;
        }
        return o;
    }

    // ---------------------------------------------------------------- indexing

    /// <summary>Concatenates along axis 1 (columns, like torch.cat(.., 1)) or axis 0 (rows).</summary>
    public Tensor Concat(Tensor a, Tensor b, int axis = 1)
    {
        CheckOwner(a); CheckOwner(b);
        Tensor o;
        if (axis == 1)
        {
            if (a.Rows != b.Rows) throw new ArgumentException($"concat axis 1: row counts differ, {a.ShapeText} and {b.ShapeText}");
            o = Allocate(2, a.Rows, a.Cols + b.Cols);
            for (int r = 0; r < a.Rows; r++)
            {
                var or = o.Row(r);
                a.Row(r).CopyTo(or);
                b.Row(r).CopyTo(or[a.Cols..]);
            }
        }
        else if (axis == 0)
        {
            if (a.Cols != b.Cols) throw new ArgumentException($"concat axis 0: column counts differ, {a.ShapeText} and {b.ShapeText}");
            o = Allocate(2, a.Rows + b.Rows, a.Cols);
            a.Values.CopyTo(o.Data);
            b.Values.CopyTo(o.Data[a.Length..]);
        }
        else throw new ArgumentOutOfRangeException(nameof(axis), $"axis must be 0 or 1, got {axis}");
        if (Tracks(a, b))
        {
            Record(o, OpKind.Concat, a, b);
            o.I0 = axis;
        }
        return o;
    }

    /// <summary>Elements start..start+length along <paramref name="axis"/> (a copy).</summary>
    public Tensor Slice(Tensor x, int axis, int start, int length)
    {
        CheckOwner(x);
        int extent = axis == 1 ? x.Cols : axis == 0 ? x.Rows : throw new ArgumentOutOfRangeException(nameof(axis), $"axis must be 0 or 1, got {axis}");
        if (start < 0 || length < 0 || start + length > extent) throw new ArgumentOutOfRangeException(nameof(start), $"slice [{start}, {start + length}) outside axis {axis} of {x.ShapeText}");
        Tensor o;
        if (axis == 1)
        {
            o = Allocate(2, x.Rows, length);
            for (int r = 0; r < x.Rows; r++) x.Row(r).Slice(start, length).CopyTo(o.Row(r));
        }
        else
        {
            o = Allocate(x.Rank, length, x.Cols);
            x.Values.Slice(start * x.Cols, length * x.Cols).CopyTo(o.Data);
        }
        if (Tracks(x))
        {
            Record(o, OpKind.Slice, x);
            o.I0 = axis;
            o.I1 = start;
        }
        return o;
    }

    // Adjoint of Slice: zeros with x placed at start along axis.
    Tensor Pad(Tensor x, int axis, int start, int rank, int rows, int cols)
    {
        var o = Allocate(rank, rows, cols);
        o.Data.Clear();
        if (axis == 1)
            for (int r = 0; r < rows; r++) x.Row(r).CopyTo(o.Row(r).Slice(start, x.Cols));
        else
            x.Values.CopyTo(o.Data.Slice(start * cols, x.Length));
        if (Tracks(x))
        {
            Record(o, OpKind.Pad, x);
            o.I0 = axis;
            o.I1 = start;
        }
        return o;
    }

    /// <summary>
    /// Picks one element per row (axis 1: out[r] = x[r, indices[r]], shape [rows, 1]) or per column
    /// (axis 0: out[c] = x[indices[c], c], shape [1, cols]). The tape keeps a reference to
    /// <paramref name="indices"/>, which must stay unchanged until backward has run.
    /// </summary>
    public Tensor Gather(Tensor x, int[] indices, int axis = 1)
    {
        CheckOwner(x);
        int count = axis == 1 ? x.Rows : axis == 0 ? x.Cols : throw new ArgumentOutOfRangeException(nameof(axis), $"axis must be 0 or 1, got {axis}");
        int extent = axis == 1 ? x.Cols : x.Rows;
        if (indices.Length < count) throw new ArgumentException($"gather: {indices.Length} indices for {count} {(axis == 1 ? "rows" : "columns")}", nameof(indices));
        for (int i = 0; i < count; i++)
            if ((uint)indices[i] >= (uint)extent) throw new ArgumentOutOfRangeException(nameof(indices), $"gather: index {indices[i]} at position {i} outside [0, {extent})");
        var o = axis == 1 ? Allocate(2, x.Rows, 1) : Allocate(2, 1, x.Cols);
        if (axis == 1) for (int r = 0; r < x.Rows; r++) o[r] = x[r, indices[r]];
        else for (int c = 0; c < x.Cols; c++) o[c] = x[indices[c], c];
        if (Tracks(x))
        {
            Record(o, OpKind.Gather, x);
            o.I0 = axis;
            o.Ints = indices;
        }
        return o;
    }

    // Adjoint of Gather/Max: zeros with g placed at the picked positions.
    Tensor Scatter(Tensor g, int[] indices, int axis, int rank, int rows, int cols)
    {
        var o = Allocate(rank, rows, cols);
        o.Data.Clear();
        if (axis == 1) for (int r = 0; r < rows; r++) o[r, indices[r]] = g[r];
        else for (int c = 0; c < cols; c++) o[indices[c], c] = g[c];
        if (Tracks(g))
        {
            Record(o, OpKind.Scatter, g);
            o.I0 = axis;
            o.Ints = indices;
        }
        return o;
    }

    // ---------------------------------------------------------------- derivative ops (used by backward rules)

    // g where y > 0, else 0 (y is the ReLU output).
    Tensor ReluMask(Tensor g, Tensor y)
    {
        var o = AllocateLike(g);
        var gs = g.Values; var ys = y.Values; var d = o.Data;
        int i = 0;
        for (; i <= d.Length - 8; i += 8)
        {
            var yv = Vector256.Create(ys.Slice(i, 8));
            Vector256.ConditionalSelect(Vector256.GreaterThan(yv, Vector256<float>.Zero), Vector256.Create(gs.Slice(i, 8)), Vector256<float>.Zero).CopyTo(d.Slice(i, 8));
        }
        for (; i < d.Length; i++) d[i] = ys[i] > 0f ? gs[i] : 0f;
        if (Tracks(g, y)) Record(o, OpKind.ReluMask, g, y);
        return o;
    }

    // ReluMask(g, y) with its column sums added to sums (a bias gradient), never recorded.
    Tensor ReluMaskSumColumns(Tensor g, Tensor y, Span<float> sums)
    {
        var o = AllocateLike(g);
        (_reluBackward ??= new ReluBackward()).Run(g.Values, y.Values, o.Data, sums, g.Rows, g.Cols, _compute.Threads);
        return o;
    }

    ReluBackward? _reluBackward;

    // g * (1 - y^2) (y is the tanh output). Vector and tail do the same IEEE steps, so an element's
    // value does not depend on its position.
    Tensor TanhGrad(Tensor g, Tensor y)
    {
        var o = AllocateLike(g);
        var gs = g.Values; var ys = y.Values; var d = o.Data;
        int i = 0;
        for (; i <= d.Length - 8; i += 8)
        {
            var yv = Vector256.Create(ys.Slice(i, 8));
            (Vector256.Create(gs.Slice(i, 8)) * (Vector256<float>.One - yv * yv)).CopyTo(d.Slice(i, 8));
        }
        for (; i < d.Length; i++) d[i] = gs[i] * (1f - ys[i] * ys[i]);
        if (Tracks(g, y)) Record(o, OpKind.TanhGrad, g, y);
        return o;
    }

    // g * y * (1 - y) (y is the sigmoid output).
    Tensor SigmoidGrad(Tensor g, Tensor y)
    {
        var o = AllocateLike(g);
        var gs = g.Values; var ys = y.Values; var d = o.Data;
        int i = 0;
        for (; i <= d.Length - 8; i += 8)
        {
            var yv = Vector256.Create(ys.Slice(i, 8));
            (Vector256.Create(gs.Slice(i, 8)) * yv * (Vector256<float>.One - yv)).CopyTo(d.Slice(i, 8));
        }
        for (; i < d.Length; i++) d[i] = gs[i] * ys[i] * (1f - ys[i]);
        if (Tracks(g, y)) Record(o, OpKind.SigmoidGrad, g, y);
        return o;
    }

    Tensor ClampMask(Tensor g, Tensor x, float min, float max)
    {
        var o = AllocateLike(g);
        var gs = g.Values; var xs = x.Values; var d = o.Data;
        for (int i = 0; i < d.Length; i++) d[i] = xs[i] >= min && xs[i] <= max ? gs[i] : 0f;
        if (Tracks(g, x))
        {
            Record(o, OpKind.ClampMask, g, x);
            o.S0 = min;
            o.S1 = max;
        }
        return o;
    }

    // g * w where w = 1 if x < y, 1/2 if x == y, else 0: the share of min(x, y)'s gradient owed to x.
    Tensor PairMask(Tensor g, Tensor x, Tensor y)
    {
        var o = AllocateLike(g);
        for (int r = 0; r < o.Rows; r++)
            for (int c = 0; c < o.Cols; c++)
            {
                float xv = At(x, r, c), yv = At(y, r, c);
                float w = xv < yv ? 1f : xv == yv ? 0.5f : 0f;
                o[r, c] = g[r, c] * w;
            }
        if (_recording && (g.RequiresGrad || x.RequiresGrad || y.RequiresGrad)) Record(o, OpKind.PairMask, g, x, y);
        return o;
    }
}
