namespace OfflineSafety.Meta.Sampling;

/// <summary>
/// A reusable, preallocated minibatch of normalised critic inputs: filled in place by the sampler
/// every step so training allocates nothing in steady state. Flags are 0/1 floats.
/// </summary>
public sealed class CriticBatch
{
    public CriticBatch(int size, int obsDim, int actDim)
    {
        Size = size;
        ObsDim = obsDim;
        ActDim = actDim;
        Obs = new float[size * obsDim];
        Action = new float[size * actDim];
        NextObs = new float[size * obsDim];
        NextAction = new float[size * actDim];
        Unsafe = new float[size];
        Terminal = new float[size];
        Rows = new int[size];
    }

    public int Size { get; }
    public int ObsDim { get; }
    public int ActDim { get; }
    public float[] Obs { get; }
    public float[] Action { get; }
    public float[] NextObs { get; }

    /// <summary>a' for the risk target, drawn by the target policy at s' (normalised).</summary>
    public float[] NextAction { get; }
    public float[] Unsafe { get; }
    public float[] Terminal { get; }

    /// <summary>Which source rows were drawn (for tests and diagnostics).</summary>
    public int[] Rows { get; }
}
