using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Safer;

/// <summary>The diagonal Gaussian q(c | window) as mean and log-std, each [B, ContextSize], on the tape.</summary>
public readonly record struct ContextPosterior(Tensor Mean, Tensor LogStd);

/// <summary>
/// q_rho(c | Lambda): the posterior over the safety context from the window of the last w states.
/// The paper runs a transformer over the window. <see cref="ContextEncoderKind.Attention"/> is the
/// smallest attention model that keeps its point, order-aware weighting of the window's states:
/// every state is embedded (shared weights plus a learned position vector), one learned query
/// scores the w embeddings, and their softmax-weighted sum feeds an MLP head that emits
/// [mean | log-std]. <see cref="ContextEncoderKind.Flatten"/> is an MLP over the whole window.
/// Windows arrive normalised, as [B, w * StateSize] with the oldest state first.
/// </summary>
public sealed class SafetyContextEncoder
{
    public const float LogStdMin = -7f;
    public const float LogStdMax = 2f;

    readonly Linear? _embed;
    readonly Tensor? _positions;
    readonly Tensor? _query;
    readonly Mlp _head;
    readonly Tensor[] _parameters;

    public int StateSize { get; }
    public int WindowLength { get; }
    public int ContextSize { get; }
    public int Width { get; }
    public ContextEncoderKind Kind { get; }
    public IReadOnlyList<Tensor> Parameters => _parameters;

    public SafetyContextEncoder(int stateSize, int windowLength, int contextSize, int width, ContextEncoderKind kind, Xoshiro256StarStar rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stateSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(contextSize);
        StateSize = stateSize;
        WindowLength = windowLength;
        ContextSize = contextSize;
        Width = width;
        Kind = kind;
        var parameters = new List<Tensor>();
        if (kind == ContextEncoderKind.Attention)
        {
            _embed = new Linear(stateSize, width, rng);
            _embed.Weight.Name = "embed.weight";
            _embed.Bias!.Name = "embed.bias";
            _positions = Tensor.Matrix(windowLength, width);
            _positions.RequiresGrad = true;
            _positions.Name = "positions";
            rng.FillUniform(_positions.Data, -0.1f, 0.1f);
            _query = Tensor.Matrix(1, width);
            _query.RequiresGrad = true;
            _query.Name = "query";
            rng.FillUniform(_query.Data, -1f / MathF.Sqrt(width), 1f / MathF.Sqrt(width));
            parameters.AddRange([_embed.Weight, _embed.Bias, _positions, _query]);
            _head = new Mlp(width, [width], 2 * contextSize, rng);
        }
        else
        {
            _head = new Mlp(windowLength * stateSize, [width, width], 2 * contextSize, rng);
        }
        foreach (var p in _head.Parameters) p.Name = $"head.{p.Name}";
        parameters.AddRange(_head.Parameters);
        _parameters = [.. parameters];
    }

    public ContextPosterior Forward(Tape tape, Tensor windows)
    {
        if (windows.Cols != WindowLength * StateSize)
            throw new ArgumentException($"encoder reads windows of {WindowLength} x {StateSize} values, got {windows.ShapeText}", nameof(windows));
        var pooled = Kind == ContextEncoderKind.Attention ? Attend(tape, windows) : windows;
        var head = _head.Forward(tape, pooled);
        var mean = tape.Slice(head, 1, 0, ContextSize);
        var logStd = tape.Clamp(tape.Slice(head, 1, ContextSize, ContextSize), LogStdMin, LogStdMax);
        return new ContextPosterior(mean, logStd);
    }

    Tensor Attend(Tape tape, Tensor windows)
    {
        // Rented, not allocated: this runs once per environment step, and the encoder is shared between clones.
        var embedded = System.Buffers.ArrayPool<Tensor>.Shared.Rent(WindowLength);
        try
        {
            return Pool(tape, windows, embedded);
        }
        finally
        {
            Array.Clear(embedded, 0, WindowLength);
            System.Buffers.ArrayPool<Tensor>.Shared.Return(embedded);
        }
    }

    Tensor Pool(Tape tape, Tensor windows, Tensor[] embedded)
    {
        Tensor? scores = null;
        float temperature = 1f / MathF.Sqrt(Width);
        for (int t = 0; t < WindowLength; t++)
        {
            var state = tape.Slice(windows, 1, t * StateSize, StateSize);
            var h = tape.Add(_embed!.Forward(tape, state, Activation.Relu), tape.Slice(_positions!, 0, t, 1));
            embedded[t] = h;
            var score = tape.Affine(tape.Linear(h, _query!, null), temperature, 0f);
            scores = scores is null ? score : tape.Concat(scores, score);
        }
        // Softmax over the window; the shift by the row maximum only guards exp and carries no gradient.
        var shifted = tape.Sub(scores!, tape.Detach(tape.Max(scores!, 1)));
        var e = tape.Exp(shifted);
        var weights = tape.Div(e, tape.Sum(e, 1));
        Tensor? pooled = null;
        for (int t = 0; t < WindowLength; t++)
        {
            var term = tape.Mul(tape.Slice(weights, 1, t, 1), embedded[t]);
            pooled = pooled is null ? term : tape.Add(pooled, term);
        }
        return pooled!;
    }

    /// <summary>KL(N(mean, std^2) || N(0, I)) per row, [B, 1]: 0.5 * sum(mean^2 + std^2 - 1) - sum(log std).</summary>
    public static Tensor KlToStandardNormal(Tape tape, ContextPosterior q)
    {
        var quadratic = tape.Add(tape.Square(q.Mean), tape.Exp(tape.Affine(q.LogStd, 2f, 0f)));
        return tape.Sum(tape.Sub(tape.Affine(quadratic, 0.5f, -0.5f), q.LogStd), 1);
    }

    /// <summary>c = mean + std * noise, differentiable in mean and log-std (the reparameterisation trick).</summary>
    public static Tensor Sample(Tape tape, ContextPosterior q, Xoshiro256StarStar rng)
        => tape.Add(q.Mean, tape.Mul(tape.Exp(q.LogStd), tape.Normal(q.Mean.Rows, q.Mean.Cols, rng)));
}
