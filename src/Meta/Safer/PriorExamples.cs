namespace OfflineSafety.Meta.Safer;

/// <summary>
/// Training examples for a skill prior, row-major: per example the state s [StateSize], the action
/// a [ActionSize] and the window of the last <see cref="WindowLength"/> states ending with s
/// [WindowLength * StateSize], oldest first, zero rows in front where the episode is shorter
/// (the paper's padding), and how many of the window's rows are real states (the rest are padding).
/// Raw, unnormalised units.
/// </summary>
public sealed record PriorExamples(int StateSize, int ActionSize, int WindowLength, float[] States, float[] Actions, float[] Windows, int[] Filled)
{
    public int Count => StateSize == 0 ? 0 : States.Length / StateSize;

    public ReadOnlySpan<float> State(int i) => States.AsSpan(i * StateSize, StateSize);
    public ReadOnlySpan<float> Action(int i) => Actions.AsSpan(i * ActionSize, ActionSize);
    public ReadOnlySpan<float> Window(int i) => Windows.AsSpan(i * WindowLength * StateSize, WindowLength * StateSize);

    public void Check()
    {
        int n = Count;
        if (States.Length != n * StateSize || Actions.Length != n * ActionSize || Windows.Length != n * WindowLength * StateSize || Filled.Length != n)
            throw new ArgumentException($"prior examples disagree in length: {States.Length} state, {Actions.Length} action, {Windows.Length} window values for {n} examples");
    }

    /// <summary>The examples at <paramref name="rows"/>, in that order.</summary>
    public PriorExamples Subset(IReadOnlyList<int> rows)
    {
        int w = WindowLength * StateSize;
        var s = new float[rows.Count * StateSize];
        var a = new float[rows.Count * ActionSize];
        var win = new float[rows.Count * w];
        var filled = new int[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            State(rows[i]).CopyTo(s.AsSpan(i * StateSize));
            Action(rows[i]).CopyTo(a.AsSpan(i * ActionSize));
            Window(rows[i]).CopyTo(win.AsSpan(i * w));
            filled[i] = Filled[rows[i]];
        }
        return new PriorExamples(StateSize, ActionSize, WindowLength, s, a, win, filled);
    }

    public static PriorExamples Empty(int stateSize, int actionSize, int windowLength) => new(stateSize, actionSize, windowLength, [], [], [], []);
}
