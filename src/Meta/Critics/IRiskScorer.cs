namespace OfflineSafety.Meta.Critics;

/// <summary>
/// Anything that scores Q_risk(s, a) for raw (unnormalised) observations and actions: a trained
/// safety critic, or a hand-written one in tests. Row-major inputs; one risk in [0, 1] per row.
/// </summary>
public interface IRiskScorer
{
    int ObsDim { get; }
    int ActDim { get; }
    Normalization Normalization { get; }
    void Score(ReadOnlySpan<float> obs, ReadOnlySpan<float> action, int rows, Span<float> risk);
}
