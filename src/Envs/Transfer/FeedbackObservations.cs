using OfflineSafety.Envs.Spaces;
using OfflineSafety.Envs.Variants;

namespace OfflineSafety.Envs.Transfer;

/// <summary>
/// Appends the previous step's reward and cost to every observation (zeros after a reset). Knight
/// and Achiam found this feedback crucial for stable constrained learning and safe adaptation: the
/// agent can react to a cost it just incurred instead of leaning on its cost model alone.
/// </summary>
public sealed class FeedbackObservations : ISafetyEnvironment
{
    private readonly ISafetyEnvironment _inner;
    private readonly float[] _observation;
    private readonly int _innerDim;

    public FeedbackObservations(ISafetyEnvironment inner)
    {
        _inner = inner;
        _innerDim = inner.ObservationSpace.Dim;
        _observation = new float[_innerDim + 2];
        var low = new float[_innerDim + 2];
        var high = new float[_innerDim + 2];
        inner.ObservationSpace.Low.CopyTo(low);
        inner.ObservationSpace.High.CopyTo(high);
        low[_innerDim] = low[_innerDim + 1] = float.NegativeInfinity;
        high[_innerDim] = high[_innerDim + 1] = float.PositiveInfinity;
        ObservationSpace = new BoxSpace(low, high);
    }

    public string Id => _inner.Id;
    public DynamicsVariant Variant => _inner.Variant;
    public BoxSpace ObservationSpace { get; }
    public BoxSpace ActionSpace => _inner.ActionSpace;
    public int Horizon => _inner.Horizon;

    public ReadOnlySpan<float> Reset(ulong seed) => Observe(_inner.Reset(seed), 0, 0);

    public ReadOnlySpan<float> Reset() => Observe(_inner.Reset(), 0, 0);

    /// <summary><paramref name="state"/> is the inner environment's state (without the feedback columns).</summary>
    public ReadOnlySpan<float> ResetTo(ReadOnlySpan<float> state) => Observe(_inner.ResetTo(state[.._innerDim]), 0, 0);

    public StepResult Step(ReadOnlySpan<float> action)
    {
        var inner = _inner.Step(action);
        var observation = Observe(inner.Observation, inner.Reward, inner.Cost);
        return new StepResult(observation, inner.Reward, inner.Cost, inner.Unsafe, inner.Terminal, inner.Truncated, inner.Info);
    }

    private float[] Observe(ReadOnlySpan<float> inner, float reward, float cost)
    {
        inner.CopyTo(_observation);
        _observation[_innerDim] = reward;
        _observation[_innerDim + 1] = cost;
        return _observation;
    }
}
