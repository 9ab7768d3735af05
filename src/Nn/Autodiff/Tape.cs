namespace OfflineSafety.Nn.Autodiff;

/// <summary>
/// Records operations for reverse-mode differentiation and owns the memory of their results.
/// A training step calls ops, then <see cref="Backward"/> or <see cref="Grad"/>, then
/// <see cref="Reset"/>; after the first step every op reuses the tensor it got last time, so a
/// steady-state step allocates nothing.
/// <para>
/// Every backward rule is written with the tape's own ops. With <c>createGraph: true</c> the backward
/// pass is itself recorded, so its results can be differentiated again (exact Hessian-vector
/// products, second-order MAML); with <c>createGraph: false</c> the same rules run unrecorded.
/// </para>
/// Not thread-safe: one tape per thread of training.
/// </summary>
public sealed partial class Tape
{
    readonly List<Tensor> _pool = [];
    readonly List<Tensor> _touchedLeaves = [];
    readonly Kernels.ComputeOptions _compute;
    int _count;
    bool _recording = true;
    // During an unrecorded Backward, leaf gradients are added straight into Tensor.Grad (GEMMs with
    // beta = 1) instead of being collected first: one pass less over every weight matrix.
    bool _directLeafGradients;

    /// <param name="compute">Threads and kernel for the matrix products (default: all cores). Results
    /// do not depend on the thread count.</param>
    public Tape(Kernels.ComputeOptions? compute = null) => _compute = compute ?? Kernels.ComputeOptions.Default;

    public Kernels.ComputeOptions Compute => _compute;

    /// <summary>Number of tensors produced since the last reset.</summary>
    public int Count => _count;

    /// <summary>Whether ops on grad-requiring inputs are being recorded (false inside <see cref="NoGrad"/>).</summary>
    public bool IsRecording => _recording;

    /// <summary>Forgets everything recorded; all tape tensors become invalid and their memory is reused.</summary>
    public void Reset()
    {
        _count = 0;
        _recording = true;
        _touchedLeaves.Clear();
    }

    /// <summary>Suspends recording until the returned scope is disposed (like torch.no_grad()).</summary>
    public NoGradScope NoGrad()
    {
        var scope = new NoGradScope(this, _recording);
        _recording = false;
        return scope;
    }

    public readonly struct NoGradScope : IDisposable
    {
        readonly Tape _tape;
        readonly bool _previous;
        internal NoGradScope(Tape tape, bool previous) { _tape = tape; _previous = previous; }
        public void Dispose() => _tape._recording = _previous;
    }

    internal Tensor Allocate(int rank, int rows, int cols)
    {
        Tensor t;
        if (_count < _pool.Count)
        {
            t = _pool[_count];
            t.Reuse(rank, rows, cols);
        }
        else
        {
            t = new Tensor(rank, rows, cols) { Owner = this };
            _pool.Add(t);
        }
        t.Index = _count++;
        return t;
    }

    Tensor AllocateLike(Tensor shape) => Allocate(shape.Rank, shape.Rows, shape.Cols);

    void CheckOwner(Tensor t)
    {
        if (t.Owner is not null && t.Owner != this)
            throw new InvalidOperationException($"tensor {t} belongs to another tape");
    }

    bool Tracks(Tensor a) => _recording && a.RequiresGrad;
    bool Tracks(Tensor a, Tensor b) => _recording && (a.RequiresGrad || b.RequiresGrad);

    static void Record(Tensor o, OpKind op, Tensor a, Tensor? b = null, Tensor? c = null)
    {
        o.Op = op;
        o.A = a;
        o.B = b;
        o.C = c;
        o.RequiresGrad = true;
    }

    /// <summary>
    /// Reverse pass from <paramref name="loss"/> (seeded with ones, so a non-scalar loss is summed);
    /// adds d loss / d leaf into every grad-requiring leaf's <see cref="Tensor.Grad"/>, as torch's
    /// loss.backward(). With <paramref name="createGraph"/> the pass is recorded for differentiation.
    /// </summary>
    public void Backward(Tensor loss, bool createGraph = false)
    {
        _directLeafGradients = !createGraph;
        try
        {
            RunBackward(loss, createGraph);
        }
        finally
        {
            _directLeafGradients = false;
        }
        foreach (var leaf in _touchedLeaves)
        {
            leaf.AccumulateGrad(leaf.PendingGrad!.Data);
            leaf.PendingGrad = null;
        }
        _touchedLeaves.Clear();
    }

    /// <summary>
    /// Gradients of <paramref name="loss"/> with respect to <paramref name="inputs"/> (leaves or
    /// tape tensors), written to <paramref name="grads"/> as tape tensors, as torch.autograd.grad.
    /// Leaves' <see cref="Tensor.Grad"/> is untouched. An input the loss does not depend on gets zeros.
    /// </summary>
    public void Grad(Tensor loss, IReadOnlyList<Tensor> inputs, Tensor[] grads, bool createGraph = false)
    {
        if (grads.Length < inputs.Count) throw new ArgumentException($"grads has {grads.Length} slots for {inputs.Count} inputs", nameof(grads));
        // When every input is a tape tensor (e.g. the fast weights of an earlier MAML step), nothing
        // below the earliest one can contribute: stop there instead of walking the whole tape.
        int stop = -1;
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Owner != this) { stop = -1; break; }
            stop = i == 0 ? inputs[i].Index : Math.Min(stop, inputs[i].Index);
        }
        RunBackward(loss, createGraph, stop);
        for (int i = 0; i < inputs.Count; i++)
        {
            var pending = inputs[i].PendingGrad;
            if (pending is null)
            {
                pending = AllocateLike(inputs[i]);
                pending.Data.Clear();
            }
            grads[i] = pending;
        }
        foreach (var leaf in _touchedLeaves) leaf.PendingGrad = null;
        _touchedLeaves.Clear();
    }

    void RunBackward(Tensor loss, bool createGraph, int stop = -1)
    {
        if (loss.Owner != this) throw new InvalidOperationException("loss was not produced by this tape");
        if (!loss.RequiresGrad) throw new InvalidOperationException("loss does not depend on any tensor that requires grad");
        foreach (var leaf in _touchedLeaves) leaf.PendingGrad = null;
        _touchedLeaves.Clear();
        for (int i = 0; i <= loss.Index; i++) _pool[i].PendingGrad = null;

        var seed = AllocateLike(loss);
        seed.Data.Fill(1f);
        loss.PendingGrad = seed;

        bool previous = _recording;
        _recording = createGraph;
        try
        {
            for (int i = loss.Index; i > stop; i--)
            {
                var t = _pool[i];
                var g = t.PendingGrad;
                if (g is null || t.Op == OpKind.None) continue;
                Propagate(t, g);
            }
        }
        finally
        {
            _recording = previous;
        }
    }

    bool AddsDirectly(Tensor leaf) => _directLeafGradients && leaf.Op == OpKind.None;

    void Accumulate(Tensor input, Tensor g)
    {
        if (!input.RequiresGrad) return;
        if (AddsDirectly(input))
        {
            input.AccumulateGrad(g.Data);
            return;
        }
        if (input.PendingGrad is null)
        {
            input.PendingGrad = g;
            if (input.Op == OpKind.None) _touchedLeaves.Add(input);
        }
        else
        {
            input.PendingGrad = Add(input.PendingGrad, g);
        }
    }

    // A layer with at most this many inputs (an observation-action layer) takes its weight gradient
    // through the transposed product below.
    const int NarrowInputs = 4;

    // grad(w) += dzᵀ a for a layer with few inputs. Computed directly, that product's output is
    // [outputs, inputs] with inputs as its 4-wide column count, which the tiled GEMM pads to a full
    // tile and packs a 256-row panel for: about 80-120 us per 256-row batch against about 22 us for
    // the same sums as aᵀ dz ([inputs, outputs]), which is then added back transposed.
    void AddNarrowWeightGrad(Tensor w, Tensor dz, Tensor a)
    {
        int outputs = w.Rows, inputs = w.Cols;
        var transposed = Allocate(2, inputs, outputs);
        var t = transposed.Data;
        Kernels.Gemm.Sgemm(true, false, inputs, outputs, dz.Rows, 1f, a.Values, a.Cols, dz.Values, dz.Cols, 0f, t, outputs, _compute);
        var grad = w.EnsureGrad();
        for (int o = 0; o < outputs; o++)
        {
            var row = grad.Slice(o * inputs, inputs);
            for (int i = 0; i < inputs; i++) row[i] += t[i * outputs + o];
        }
    }

    /// <summary>Reduces a broadcast gradient back to the shape of the input it flows to.</summary>
    Tensor SumTo(Tensor g, Tensor target)
    {
        if (g.Rows == target.Rows && g.Cols == target.Cols) return g;
        if (target.Rows == 1 && target.Cols == 1) return SumAllAs(g, target.Rank);
        if (target.Rows == 1) return SumRowsAs(g, target.Rank);
        if (target.Cols == 1) return SumColsAs(g);
        throw new InvalidOperationException($"cannot reduce gradient {g.ShapeText} to {target.ShapeText}");
    }

    // The chain rule of every op, written with tape ops so it can itself be recorded.
    void Propagate(Tensor o, Tensor g)
    {
        var a = o.A!;
        switch (o.Op)
        {
            case OpKind.MatMul:
            {
                var b = o.B!;
                bool ta = (o.I0 & 1) != 0, tb = (o.I0 & 2) != 0;
                if (a.RequiresGrad)
                    Accumulate(a, (ta, tb) switch
                    {
                        (false, false) => MatMul(g, b, false, true),
                        (false, true) => MatMul(g, b, false, false),
                        (true, false) => MatMul(b, g, false, true),
                        _ => MatMul(b, g, true, true),
                    });
                if (b.RequiresGrad)
                    Accumulate(b, (ta, tb) switch
                    {
                        (false, false) => MatMul(a, g, true, false),
                        (false, true) => MatMul(g, a, true, false),
                        (true, false) => MatMul(a, g, false, false),
                        _ => MatMul(g, a, true, true),
                    });
                break;
            }
            case OpKind.Linear:
            {
                var w = o.B!;
                var bias = o.C;
                // A ReLU layer whose bias gradient is added directly: mask and bias sums in one sweep.
                bool fusedBias = (Kernels.Activation)o.I0 == Kernels.Activation.Relu && !Tracks(g, o)
                    && bias is not null && bias.RequiresGrad && AddsDirectly(bias) && o.Rank == 2;
                var dz = (Kernels.Activation)o.I0 switch
                {
                    Kernels.Activation.Relu when fusedBias => ReluMaskSumColumns(g, o, bias!.EnsureGrad()),
                    Kernels.Activation.Relu => ReluMask(g, o),
                    Kernels.Activation.Tanh => TanhGrad(g, o),
                    Kernels.Activation.Sigmoid => SigmoidGrad(g, o),
                    _ => g,
                };
                if (a.RequiresGrad) Accumulate(a, MatMul(dz, w, false, false));
                if (w.RequiresGrad)
                {
                    if (AddsDirectly(w) && w.Cols <= NarrowInputs && w.Rows > w.Cols)
                        AddNarrowWeightGrad(w, dz, a);
                    else if (AddsDirectly(w))
                        Kernels.Gemm.Sgemm(true, false, w.Rows, w.Cols, dz.Rows, 1f, dz.Values, dz.Cols, a.Values, a.Cols, 1f, w.EnsureGrad(), w.Cols, _compute);
                    else
                        Accumulate(w, MatMul(dz, a, true, false));
                }
                if (bias is not null && bias.RequiresGrad && !fusedBias)
                {
                    if (AddsDirectly(bias))
                        Kernels.Gemm.ColumnSums(dz.Values, dz.Rows, dz.Cols, dz.Cols, bias.EnsureGrad(), accumulate: true);
                    else
                        Accumulate(bias, SumRowsAs(dz, bias.Rank));
                }
                break;
            }
            case OpKind.Add:
                if (a.RequiresGrad) Accumulate(a, SumTo(g, a));
                if (o.B!.RequiresGrad) Accumulate(o.B, SumTo(g, o.B));
                break;
            case OpKind.Sub:
                if (a.RequiresGrad) Accumulate(a, SumTo(g, a));
                if (o.B!.RequiresGrad) Accumulate(o.B, SumTo(Affine(g, -1f, 0f), o.B));
                break;
            case OpKind.Mul:
                if (a.RequiresGrad) Accumulate(a, SumTo(Mul(g, o.B!), a));
                if (o.B!.RequiresGrad) Accumulate(o.B, SumTo(Mul(g, a), o.B));
                break;
            case OpKind.Div:
                if (a.RequiresGrad) Accumulate(a, SumTo(Div(g, o.B!), a));
                // d(a/b)/db = -(a/b)/b, reusing the output.
                if (o.B!.RequiresGrad) Accumulate(o.B, SumTo(Affine(Mul(g, Div(o, o.B)), -1f, 0f), o.B));
                break;
            case OpKind.Affine:
                Accumulate(a, Affine(g, o.S0, 0f));
                break;
            case OpKind.Relu:
                Accumulate(a, ReluMask(g, o));
                break;
            case OpKind.Tanh:
                Accumulate(a, TanhGrad(g, o));
                break;
            case OpKind.Sigmoid:
                Accumulate(a, SigmoidGrad(g, o));
                break;
            case OpKind.Softplus:
                Accumulate(a, Mul(g, Sigmoid(a)));
                break;
            case OpKind.Exp:
                Accumulate(a, Mul(g, o));
                break;
            case OpKind.Log:
                Accumulate(a, Div(g, a));
                break;
            case OpKind.Square:
                Accumulate(a, Affine(Mul(g, a), 2f, 0f));
                break;
            case OpKind.Clamp:
                Accumulate(a, ClampMask(g, a, o.S0, o.S1));
                break;
            case OpKind.Minimum:
                if (a.RequiresGrad) Accumulate(a, SumTo(PairMask(g, a, o.B!), a));
                if (o.B!.RequiresGrad) Accumulate(o.B, SumTo(PairMask(g, o.B, a), o.B));
                break;
            case OpKind.Maximum:
                if (a.RequiresGrad) Accumulate(a, SumTo(PairMask(g, o.B!, a), a));
                if (o.B!.RequiresGrad) Accumulate(o.B, SumTo(PairMask(g, a, o.B), o.B));
                break;
            case OpKind.SumRows:
            case OpKind.SumCols:
            case OpKind.SumAll:
                Accumulate(a, Expand(g, a.Rank, a.Rows, a.Cols));
                break;
            case OpKind.Expand:
                Accumulate(a, SumTo(g, a));
                break;
            case OpKind.MaxAlong:
            case OpKind.Gather:
                Accumulate(a, Scatter(g, o.Ints!, o.I0, a.Rank, a.Rows, a.Cols));
                break;
            case OpKind.Scatter:
                Accumulate(a, Gather(g, o.Ints!, o.I0));
                break;
            case OpKind.Concat:
            {
                int lengthA = o.I0 == 1 ? a.Cols : a.Rows;
                int lengthB = o.I0 == 1 ? o.B!.Cols : o.B!.Rows;
                if (a.RequiresGrad) Accumulate(a, Slice(g, o.I0, 0, lengthA));
                if (o.B.RequiresGrad) Accumulate(o.B, Slice(g, o.I0, lengthA, lengthB));
                break;
            }
            case OpKind.Slice:
                Accumulate(a, Pad(g, o.I0, o.I1, a.Rank, a.Rows, a.Cols));
                break;
            case OpKind.Pad:
                Accumulate(a, Slice(g, o.I0, o.I1, o.I0 == 1 ? a.Cols : a.Rows));
                break;
            // Derivative ops: linear in their first argument; the masks are piecewise constant.
            case OpKind.ReluMask:
                if (a.RequiresGrad) Accumulate(a, ReluMask(g, o.B!));
                break;
            case OpKind.TanhGrad:
                if (a.RequiresGrad) Accumulate(a, TanhGrad(g, o.B!));
                if (o.B!.RequiresGrad) Accumulate(o.B, Mul(Mul(g, a), Affine(o.B, -2f, 0f)));
                break;
            case OpKind.SigmoidGrad:
                if (a.RequiresGrad) Accumulate(a, SigmoidGrad(g, o.B!));
                if (o.B!.RequiresGrad) Accumulate(o.B, Mul(Mul(g, a), Affine(o.B, -2f, 1f)));
                break;
            case OpKind.ClampMask:
                if (a.RequiresGrad) Accumulate(a, ClampMask(g, o.B!, o.S0, o.S1));
                break;
            case OpKind.PairMask:
                if (a.RequiresGrad) Accumulate(a, SumTo(PairMask(g, o.B!, o.C!), a));
                break;
            default:
                throw new InvalidOperationException($"no backward rule for {o.Op}");
        }
    }
}
