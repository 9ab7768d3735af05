namespace OfflineSafety.Meta.Online;

/// <summary>
/// A minibatch for the task policy, in network units: normalised observations, squashed actions
/// u in [-1, 1], the (possibly shaped) reward and the no-bootstrap flag. Preallocated and refilled.
/// </summary>
public sealed class SacBatch
{
    public SacBatch(int size, int obsDim, int actDim)
    {
        Size = size;
        ObsDim = obsDim;
        ActDim = actDim;
        Obs = new float[size * obsDim];
        Action = new float[size * actDim];
        NextObs = new float[size * obsDim];
        Reward = new float[size];
        Done = new float[size];
        Rows = new int[size];
    }

    public int Size { get; }
    public int ObsDim { get; }
    public int ActDim { get; }
    public float[] Obs { get; }
    public float[] Action { get; }
    public float[] NextObs { get; }
    public float[] Reward { get; }
    public float[] Done { get; }

    /// <summary>Replay rows of this batch (the Lagrangian terms and RCPO read them).</summary>
    public int[] Rows { get; }
}
