namespace OfflineSafety.Meta.Sampling;

/// <summary>
/// A reusable, preallocated minibatch of normalised critic inputs, filled in place every step so
/// training allocates nothing in steady state. Rows of <see cref="Input"/> are [obs ++ action];
/// rows of <see cref="NextInput"/> are [next_obs ++ a'], where the target policy writes a'.
/// Flags are 0/1 floats so the target maths stays in one numeric type.
/// </summary>
public sealed class CriticBatch
{
    public CriticBatch(int size, int obsDim, int actDim)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        Size = size;
        ObsDim = obsDim;
        ActDim = actDim;
        Input = new float[size * Width];
        NextInput = new float[size * Width];
        Unsafe = new float[size];
        Terminal = new float[size];
        Target = new float[size];
        Rows = new int[size];
    }

    public int Size { get; }
    public int ObsDim { get; }
    public int ActDim { get; }
    public int Width => ObsDim + ActDim;
    public float[] Input { get; }
    public float[] NextInput { get; }
    public float[] Unsafe { get; }
    public float[] Terminal { get; }

    /// <summary>The risk target y per row, computed by the trainer from the target network.</summary>
    public float[] Target { get; }

    /// <summary>Which source rows were drawn (for tests and diagnostics).</summary>
    public int[] Rows { get; }

    public Span<float> ObsOf(int row) => Input.AsSpan(row * Width, ObsDim);
    public Span<float> ActionOf(int row) => Input.AsSpan(row * Width + ObsDim, ActDim);
    public Span<float> NextObsOf(int row) => NextInput.AsSpan(row * Width, ObsDim);
    public Span<float> NextActionOf(int row) => NextInput.AsSpan(row * Width + ObsDim, ActDim);
}
