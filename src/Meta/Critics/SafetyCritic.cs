using OfflineSafety.Meta.Networks;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Critics;

/// <summary>
/// Q_risk(s, a): an MLP over normalised [obs ++ action] with one or two sigmoid heads; with two,
/// the reported risk is the pessimistic max(Q1, Q2). Owns its flat parameter vector and the
/// normalisation it was trained with. The parameters are one flat Nn <see cref="Tensor"/> (layout in
/// <see cref="MlpShape"/>), so Nn's Adam, clipping and Polyak averaging apply to it directly. Scoring reuses internal buffers, so one instance is not
/// safe to score from several threads at once (clone it).
/// </summary>
public sealed class SafetyCritic : IRiskScorer
{
    // Rows normalised per call of the network; bounds the buffers a very large batch would need.
    private const int ScoreChunk = 4096;
    private MlpForward? _scoreNetwork;
    private float[]? _scoreInput;
    private float[]? _scoreOutput;
    private ComputeOptions? _scoreCompute;

    public SafetyCritic(CriticArchitecture architecture, Normalization normalization, Tensor parameters)
    {
        architecture.Validate();
        Architecture = architecture;
        Normalization = normalization;
        Shape = ShapeOf(architecture, normalization.ObsDim, normalization.ActDim);
        if (parameters.Length != Shape.ParameterCount || parameters.Rank != 1)
            throw new ArgumentException($"critic {architecture} over ({normalization.ObsDim},{normalization.ActDim}) has {Shape.ParameterCount} parameters, got {parameters.Length}");
        Parameters = parameters;
        Parameters.RequiresGrad = true;
    }

    public CriticArchitecture Architecture { get; }
    public Normalization Normalization { get; }
    public MlpShape Shape { get; }
    public Tensor Parameters { get; }
    public int ObsDim => Normalization.ObsDim;
    public int ActDim => Normalization.ActDim;
    public int Heads => Architecture.Heads;

    public static MlpShape ShapeOf(CriticArchitecture architecture, int obsDim, int actDim) =>
        new(obsDim + actDim, architecture.Hidden, architecture.Heads, Activation.Sigmoid, "critic.");

    public static SafetyCritic Create(CriticArchitecture architecture, Normalization normalization, Xoshiro256StarStar random)
    {
        var shape = ShapeOf(architecture, normalization.ObsDim, normalization.ActDim);
        var parameters = Tensor.Vector(shape.ParameterCount);
        shape.Initialize(parameters.Data, random);
        return new SafetyCritic(architecture, normalization, parameters);
    }

    /// <summary>A deep copy: adaptation works on a clone so the base model is never touched.</summary>
    public SafetyCritic Clone() => new(Architecture, Normalization, Parameters.Clone());

    /// <summary>
    /// A deep copy that scores with <paramref name="scoring"/>. A server scoring many requests at once
    /// gives each one thread: split kernels would block pool threads on each other and starve the pool.
    /// An experiment's seed lane gives its copy the lane's share of the cores.
    /// </summary>
    public SafetyCritic Clone(ComputeOptions scoring) => new(Architecture, Normalization, Parameters.Clone()) { _scoreCompute = scoring };

    /// <summary>The pessimistic risk per row: max over heads of the sigmoid outputs, [rows, heads] in.</summary>
    public static void PessimisticMax(ReadOnlySpan<float> headOutputs, int heads, Span<float> risk)
    {
        for (int i = 0; i < risk.Length; i++)
        {
            float m = headOutputs[i * heads];
            for (int h = 1; h < heads; h++) m = MathF.Max(m, headOutputs[i * heads + h]);
            risk[i] = m;
        }
    }

    /// <summary>
    /// Seeds the gradient of weight x (sum over rows of the pessimistic risk) with respect to the head
    /// outputs: weight on each row's worst head, zero elsewhere. Returns the summed risk. Used by every
    /// actor that is pushed away from risk through the critic (recovery policy, Lagrangian penalty).
    /// </summary>
    public static double PessimisticMaxGradient(ReadOnlySpan<float> headOutputs, int heads, int rows, float weight, Span<float> headGradient)
    {
        headGradient[..(rows * heads)].Clear();
        double risk = 0;
        for (int i = 0; i < rows; i++)
        {
            int worst = 0;
            for (int h = 1; h < heads; h++) if (headOutputs[i * heads + h] > headOutputs[i * heads + worst]) worst = h;
            risk += headOutputs[i * heads + worst];
            headGradient[i * heads + worst] = weight;
        }
        return risk;
    }

    public void Score(ReadOnlySpan<float> obs, ReadOnlySpan<float> action, int rows, Span<float> risk)
    {
        _scoreNetwork ??= new MlpForward(Shape.DenseLayers(), _scoreCompute);
        _scoreInput ??= new float[ScoreChunk * Shape.Inputs];
        _scoreOutput ??= new float[ScoreChunk * Heads];
        int od = ObsDim, ad = ActDim, width = od + ad;
        for (int start = 0; start < rows; start += ScoreChunk)
        {
            int n = Math.Min(ScoreChunk, rows - start);
            for (int i = 0; i < n; i++)
            {
                Normalization.NormalizeObs(obs.Slice((start + i) * od, od), _scoreInput.AsSpan(i * width, od));
                Normalization.NormalizeAction(action.Slice((start + i) * ad, ad), _scoreInput.AsSpan(i * width + od, ad));
            }
            _scoreNetwork.Run(Parameters, _scoreInput, n, _scoreOutput);
            PessimisticMax(_scoreOutput.AsSpan(0, n * Heads), Heads, risk.Slice(start, n));
        }
    }
}
