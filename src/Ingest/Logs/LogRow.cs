namespace OfflineSafety.Ingest.Logs;

/// <summary>Gives the raw text of the row being read, built only when a row is rejected.</summary>
public interface IRawRowText
{
    string RawText();
}

/// <summary>
/// The row a reader has just read, in the log's own terms (fields may be absent). Readers fill one
/// instance again for every row; <see cref="TransitionAssembler"/> turns it into transitions.
/// </summary>
public sealed class LogRow
{
    private int _present;

    public LogRow()
    {
        Obs = new LogVector();
        Action = new LogVector();
        NextObs = new LogVector();
    }

    public string File { get; set; } = "";

    /// <summary>1-based line number of the row's start (CSV, JSONL) or 1-based row number (Parquet).</summary>
    public long Row { get; set; }

    public IRawRowText? Text { get; set; }

    public LogVector Obs { get; }
    public LogVector Action { get; }
    public LogVector NextObs { get; }
    public long EpisodeId { get; private set; }
    public int Step { get; private set; }
    public string? Variant { get; private set; }
    public string? Source { get; private set; }
    public float Reward { get; private set; }
    public float Cost { get; private set; }
    public bool Unsafe { get; private set; }
    public bool Terminal { get; private set; }
    public bool Truncated { get; private set; }

    /// <summary>The first problem a reader met in this row (unparseable value, wrong shape), if any.</summary>
    public LogError? Error { get; private set; }

    public void Begin(long row)
    {
        Row = row;
        _present = 0;
        Error = null;
        Variant = null;
        Source = null;
    }

    /// <summary>Vector presence is tracked by the vectors themselves; scalars by this mask.</summary>
    public bool Has(LogField field) => field switch
    {
        LogField.Obs => Obs.Present,
        LogField.Action => Action.Present,
        LogField.NextObs => NextObs.Present,
        _ => (_present & (1 << (int)field)) != 0,
    };

    public LogVector Vector(LogField field) => field switch
    {
        LogField.Obs => Obs,
        LogField.Action => Action,
        LogField.NextObs => NextObs,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    public void SetEpisodeId(long value) { EpisodeId = value; Mark(LogField.EpisodeId); }
    public void SetStep(int value) { Step = value; Mark(LogField.Step); }
    public void SetVariant(string value) { Variant = value; Mark(LogField.Variant); }
    public void SetSource(string value) { Source = value; Mark(LogField.Source); }
    public void SetReward(float value) { Reward = value; Mark(LogField.Reward); }
    public void SetCost(float value) { Cost = value; Mark(LogField.Cost); }

    public void SetFlag(LogField field, bool value)
    {
        switch (field)
        {
            case LogField.Unsafe: Unsafe = value; break;
            case LogField.Terminal: Terminal = value; break;
            case LogField.Truncated: Truncated = value; break;
            default: throw new ArgumentOutOfRangeException(nameof(field));
        }
        Mark(field);
    }

    public void SetNumber(LogField field, float value)
    {
        switch (field)
        {
            case LogField.Reward: SetReward(value); break;
            case LogField.Cost: SetCost(value); break;
            default: throw new ArgumentOutOfRangeException(nameof(field));
        }
    }

    /// <summary>Records a problem; only the first is kept, since one reason per rejected row is enough to act on.</summary>
    public void Fail(string column, string reason) => Error ??= new LogError(File, Row, column, reason);

    private void Mark(LogField field) => _present |= 1 << (int)field;
}
