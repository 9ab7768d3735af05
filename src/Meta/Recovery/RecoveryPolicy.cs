using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Recovery;

/// <summary>
/// The model-free recovery policy pi_rec(s): a tanh-Gaussian over the action box. The network maps
/// normalised observations to [mean | log_std] (log_std clamped to [-20, 2]); an action is
/// u = mean + std eps, a = tanh(u), then scaled from [-1, 1] onto the logged action box.
/// </summary>
public sealed class RecoveryPolicy
{
    public const float LogStdMin = -20f;
    public const float LogStdMax = 2f;

    public RecoveryPolicy(Normalization normalization, int[] hidden, Tensor parameters)
    {
        Normalization = normalization;
        Hidden = hidden;
        Shape = ShapeOf(normalization, hidden);
        if (parameters.Length != Shape.ParameterCount)
            throw new ArgumentException($"recovery policy [{string.Join("x", hidden)}] has {Shape.ParameterCount} parameters, got {parameters.Length}");
        Parameters = parameters;
        Parameters.RequiresGrad = true;
    }

    public Normalization Normalization { get; }
    public int[] Hidden { get; }
    public MlpShape Shape { get; }
    public Tensor Parameters { get; }

    public static MlpShape ShapeOf(Normalization normalization, int[] hidden) =>
        new(normalization.ObsDim, hidden, 2 * normalization.ActDim, Activation.None, "recovery.");

    public static RecoveryPolicy Create(Normalization normalization, int[] hidden, Xoshiro256StarStar random)
    {
        var shape = ShapeOf(normalization, hidden);
        var parameters = Tensor.Vector(shape.ParameterCount);
        shape.Initialize(parameters.Data, random);
        return new RecoveryPolicy(normalization, hidden, parameters);
    }

    public RecoveryPolicy Clone() => new(Normalization, Hidden, Parameters.Clone());

    /// <summary>tanh(u) in [-1, 1] onto the action box, in normalised action units.</summary>
    public float ToNormalizedAction(float squashed, int d)
    {
        var n = Normalization;
        float raw = n.ActionLow[d] + 0.5f * (squashed + 1f) * (n.ActionHigh[d] - n.ActionLow[d]);
        return (raw - n.ActionMean[d]) / n.ActionStd[d];
    }

    /// <summary>d(normalised action)/d(tanh output): the box half-width over the normalisation scale.</summary>
    public float NormalizedActionSlope(int d)
    {
        var n = Normalization;
        return 0.5f * (n.ActionHigh[d] - n.ActionLow[d]) / n.ActionStd[d];
    }

    /// <summary>The deterministic recovery action tanh(mean) for one raw observation, as a raw action.</summary>
    public void Act(ReadOnlySpan<float> obs, Span<float> action)
    {
        var pass = new MlpPass(Shape, 1);
        Span<float> input = stackalloc float[Normalization.ObsDim];
        Normalization.NormalizeObs(obs, input);
        var head = pass.Forward(Parameters.Data, input, 1);
        var n = Normalization;
        for (int d = 0; d < n.ActDim; d++)
            action[d] = n.ActionLow[d] + 0.5f * (MathF.Tanh(head[d]) + 1f) * (n.ActionHigh[d] - n.ActionLow[d]);
    }
}
