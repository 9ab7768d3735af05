namespace OfflineSafety.Nn.Autodiff;

/// <summary>
/// A dense float32 tensor of rank 0, 1 or 2, stored row-major. Rank 1 behaves as a single row
/// ([n] == [1, n]) for broadcasting, as PyTorch does. Two kinds exist: persistent tensors the caller
/// owns (parameters, input batches) and tape tensors, which a <see cref="Tape"/> recycles on
/// <see cref="Tape.Reset"/>; a tape tensor must not be read after its tape is reset.
/// </summary>
public sealed class Tensor
{
    float[] _data;

    public int Rank { get; private set; }
    public int Rows { get; private set; }
    public int Cols { get; private set; }
    public int Length => Rows * Cols;

    /// <summary>True for parameters (set by the caller) and for tape results that depend on one.</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>Gradient accumulated by <see cref="Tape.Backward"/> on a leaf; null until the first backward.</summary>
    public float[]? Grad { get; private set; }

    /// <summary>Parameter name, used by safetensors I/O; optional.</summary>
    public string? Name { get; set; }

    // Tape bookkeeping. A recorded tensor remembers how it was made so the tape can replay the
    // chain rule without closures or virtual calls.
    internal Tape? Owner;
    internal int Index;
    internal OpKind Op;
    internal Tensor? A, B, C;
    internal float S0, S1;
    internal int I0, I1;
    internal int[]? Ints;
    internal int[]? OwnedInts;
    internal Tensor? PendingGrad;

    public Tensor(int rows, int cols) : this(2, rows, cols) { }

    internal Tensor(int rank, int rows, int cols)
    {
        if (rows < 0 || cols < 0) throw new ArgumentOutOfRangeException(nameof(rows), $"negative tensor dimension [{rows}, {cols}]");
        Rank = rank;
        Rows = rows;
        Cols = cols;
        _data = new float[rows * cols];
    }

    public static Tensor Matrix(int rows, int cols) => new(2, rows, cols);
    public static Tensor Vector(int length) => new(1, 1, length);
    public static Tensor Scalar(float value)
    {
        var t = new Tensor(0, 1, 1);
        t._data[0] = value;
        return t;
    }

    /// <summary>Copies <paramref name="values"/> into a new persistent [rows, cols] tensor.</summary>
    public static Tensor FromRows(ReadOnlySpan<float> values, int rows, int cols)
    {
        if (values.Length != rows * cols) throw new ArgumentException($"expected {rows * cols} values for shape [{rows}, {cols}], got {values.Length}", nameof(values));
        var t = new Tensor(2, rows, cols);
        values.CopyTo(t._data);
        return t;
    }

    public static Tensor FromVector(ReadOnlySpan<float> values)
    {
        var t = new Tensor(1, 1, values.Length);
        values.CopyTo(t._data);
        return t;
    }

    /// <summary>A persistent tensor of the given shape (rank 0..2), e.g. from a safetensors file.</summary>
    public static Tensor FromShape(ReadOnlySpan<int> shape)
    {
        return shape.Length switch
        {
            0 => new Tensor(0, 1, 1),
            1 => new Tensor(1, 1, shape[0]),
            2 => new Tensor(2, shape[0], shape[1]),
            _ => throw new NotSupportedException($"tensors of rank {shape.Length} are not supported (rank 0..2 only)"),
        };
    }

    /// <summary>
    /// The values, writable. Taking this span counts as a change: products that cached this tensor's
    /// packed panels repack it before their next use (see <see cref="Version"/>), so write through a
    /// span taken after the last product that read the old values, not one held across it.
    /// Read through <see cref="Values"/> where nothing is written.
    /// </summary>
    public Span<float> Data
    {
        get
        {
            Version++;
            return _data.AsSpan(0, Rows * Cols);
        }
    }

    /// <summary>The values, read-only; taking them leaves <see cref="Version"/> unchanged.</summary>
    public ReadOnlySpan<float> Values => _data.AsSpan(0, Rows * Cols);

    public Span<float> Row(int row)
    {
        Version++;
        return _data.AsSpan(row * Cols, Cols);
    }

    /// <summary>
    /// Changes whenever the values may have changed (every write path, including taking <see cref="Data"/>).
    /// Weight products key their cached packed panels on it, so a matrix whose values are unchanged
    /// since its last product is not packed again (inference, the k tasks of a meta-iteration).
    /// </summary>
    public long Version { get; private set; }

    /// <summary>Packed panels of this tensor for the GEMM kernels, built on first use (persistent tensors only).</summary>
    internal Kernels.PackedPanels? Panels;

    public float this[int row, int col]
    {
        get => _data[row * Cols + col];
        set
        {
            Version++;
            _data[row * Cols + col] = value;
        }
    }

    public float this[int index]
    {
        get => _data[index];
        set
        {
            Version++;
            _data[index] = value;
        }
    }

    /// <summary>The value of a one-element tensor (a loss).</summary>
    public float ToScalar() => Length == 1 ? _data[0] : throw new InvalidOperationException($"ToScalar() needs a one-element tensor, shape is {ShapeText}");

    public int[] Shape => Rank switch { 0 => [], 1 => [Cols], _ => [Rows, Cols] };
    public string ShapeText => Rank switch { 0 => "[]", 1 => $"[{Cols}]", _ => $"[{Rows}, {Cols}]" };

    public bool SameShape(Tensor other) => Rows == other.Rows && Cols == other.Cols;

    public Span<float> GradSpan => Grad is null ? Span<float>.Empty : Grad.AsSpan(0, Length);

    public void ZeroGrad()
    {
        if (Grad is not null) Array.Clear(Grad);
    }

    /// <summary>Allocates (once) and returns the gradient buffer, e.g. for an optimizer that writes it.</summary>
    public Span<float> EnsureGrad()
    {
        Grad ??= new float[Length];
        return Grad;
    }

    internal void AccumulateGrad(ReadOnlySpan<float> g)
    {
        Grad ??= new float[Length];
        System.Numerics.Tensors.TensorPrimitives.Add(Grad, g, Grad);
    }

    public void CopyFrom(Tensor source)
    {
        if (source.Length != Length) throw new ArgumentException($"cannot copy {source.ShapeText} into {ShapeText}", nameof(source));
        source.Values.CopyTo(Data);
    }

    /// <summary>A persistent deep copy (values only, no gradient).</summary>
    public Tensor Clone()
    {
        var t = new Tensor(Rank, Rows, Cols) { RequiresGrad = RequiresGrad, Name = Name };
        Values.CopyTo(t._data);
        return t;
    }

    // Tape tensors are recycled: reshape in place, growing the buffer only when a larger one is needed.
    internal void Reuse(int rank, int rows, int cols)
    {
        int n = rows * cols;
        if (_data.Length < n) _data = new float[n];
        Rank = rank;
        Rows = rows;
        Cols = cols;
        RequiresGrad = false;
        Op = OpKind.None;
        A = B = C = null;
        Ints = null;
        PendingGrad = null;
    }

    internal int[] EnsureOwnedInts(int n)
    {
        if (OwnedInts is null || OwnedInts.Length < n) OwnedInts = new int[n];
        return OwnedInts;
    }

    public override string ToString() => $"Tensor{ShapeText}";
}
