namespace OfflineSafety.Bench.Parquet;

/// <summary>
/// The benchmark's transition rows as plain column arrays (vectors row-major), the form both our
/// writer takes and our full scan fills; sized once and reused across row groups.
/// </summary>
public sealed class TransitionTable(int capacity, int obsDim, int actDim)
{
    public int ObsDim { get; } = obsDim;
    public int ActDim { get; } = actDim;
    public int Capacity { get; } = capacity;
    public int Count { get; set; }

    public long[] EpisodeId { get; } = new long[capacity];
    public int[] Step { get; } = new int[capacity];
    public string[] Variant { get; } = new string[capacity];
    public string[] Source { get; } = new string[capacity];
    public float[] Obs { get; } = new float[capacity * obsDim];
    public float[] Action { get; } = new float[capacity * actDim];
    public float[] NextObs { get; } = new float[capacity * obsDim];
    public float[] Reward { get; } = new float[capacity];
    public float[] Cost { get; } = new float[capacity];
    public bool[] Unsafe { get; } = new bool[capacity];
    public bool[] Terminal { get; } = new bool[capacity];
    public bool[] Truncated { get; } = new bool[capacity];
}
