using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Nn.Distributions;

/// <summary>A latent batch [B, D] and log|det d latent / d x| of the inverse map [B, 1], both on the tape.</summary>
public readonly record struct FlowInverse(Tensor Latent, Tensor LogDetInverse);

/// <summary>
/// Conditional RealNVP (Dinh et al. 2017) over R^D: x = f(z; y) with z ~ N(0, I) and a condition
/// y (for a skill prior, the state and the safety context). f is a chain of affine coupling
/// bijectors; coupling k keeps the dimensions of one parity and moves the others,
/// <c>x_T = z_T * exp(s_k(z_K, y)) + t_k(z_K, y)</c>, parities alternating from layer to layer.
/// <para>
/// Stability: the log-scale is <c>bound * tanh(raw / bound)</c>, the identity near zero and never
/// beyond ±bound, so no layer can blow a density up by more than exp(bound) per dimension; the
/// conditioners' output layers start at zero, so an untrained flow is the identity and the first
/// steps of training see a standard normal.
/// </para>
/// Densities are exact: log p(x | y) = log N(f^-1(x); 0, I) + log|det d f^-1 / dx|, and the
/// log-determinant of a coupling is minus the sum of its log-scales.
/// A one-dimensional flow still works: its couplings of the empty parity are skipped, the others
/// are affine maps of z conditioned on y alone.
/// </summary>
public sealed class ConditionalRealNvp
{
    static readonly float HalfLogTwoPi = (float)(0.5 * Math.Log(2 * Math.PI));

    readonly Mlp[] _conditioners;
    readonly Tensor[] _keep;       // [1, D]: 1 on the dimensions coupling k passes through
    readonly Tensor[] _move;       // [1, D]: 1 on the dimensions it transforms
    readonly bool[] _active;       // false for a coupling with nothing to transform (D = 1)
    readonly Tensor[] _parameters;

    public int Dimension { get; }
    public int ConditionSize { get; }
    public int Couplings => _conditioners.Length;
    public float LogScaleBound { get; }
    public IReadOnlyList<int> Hidden { get; }

    /// <summary>Every trainable tensor, couplings in order, each as [W0, b0, W1, b1, ...].</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    public ConditionalRealNvp(int dimension, int conditionSize, int couplings, IReadOnlyList<int> hidden, float logScaleBound, Xoshiro256StarStar rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegative(conditionSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(couplings);
        if (!(logScaleBound > 0f)) throw new ArgumentOutOfRangeException(nameof(logScaleBound), $"log-scale bound must be positive, got {logScaleBound}");
        Dimension = dimension;
        ConditionSize = conditionSize;
        LogScaleBound = logScaleBound;
        Hidden = [.. hidden];
        _conditioners = new Mlp[couplings];
        _keep = new Tensor[couplings];
        _move = new Tensor[couplings];
        _active = new bool[couplings];
        var parameters = new List<Tensor>();
        for (int k = 0; k < couplings; k++)
        {
            var mlp = new Mlp(dimension + conditionSize, hidden, 2 * dimension, rng);
            var last = mlp.Layers[^1];
            last.Weight.Data.Clear();
            last.Bias!.Data.Clear();
            for (int i = 0; i < mlp.Parameters.Count; i++) mlp.Parameters[i].Name = $"coupling.{k}.{mlp.Parameters[i].Name}";
            _conditioners[k] = mlp;
            parameters.AddRange(mlp.Parameters);
            _keep[k] = Tensor.Vector(dimension);
            _move[k] = Tensor.Vector(dimension);
            for (int i = 0; i < dimension; i++)
            {
                bool moves = i % 2 == k % 2;
                _move[k][i] = moves ? 1f : 0f;
                _keep[k][i] = moves ? 0f : 1f;
                _active[k] |= moves;
            }
        }
        _parameters = [.. parameters];
    }

    /// <summary>Coupling k's conditioner, for callers that store or copy weights by name.</summary>
    public Mlp Conditioner(int coupling) => _conditioners[coupling];

    /// <summary>x = f(z; y) for a batch: z [B, D], condition [B, ConditionSize].</summary>
    public Tensor Forward(Tape tape, Tensor latent, Tensor condition)
    {
        CheckShapes(latent, condition);
        var x = latent;
        for (int k = 0; k < Couplings; k++)
        {
            if (!_active[k]) continue;
            var (logScale, shift) = ScaleAndShift(tape, k, x, condition);
            x = tape.Add(tape.Mul(x, tape.Exp(logScale)), shift);
        }
        return x;
    }

    /// <summary>z = f^-1(x; y) and log|det d f^-1 / dx| per row.</summary>
    public FlowInverse Inverse(Tape tape, Tensor x, Tensor condition)
    {
        CheckShapes(x, condition);
        var z = x;
        Tensor? logDet = null;
        for (int k = Couplings - 1; k >= 0; k--)
        {
            if (!_active[k]) continue;
            // Coupling k leaves its kept dimensions alone, so they read the same on either side of it.
            var (logScale, shift) = ScaleAndShift(tape, k, z, condition);
            z = tape.Mul(tape.Sub(z, shift), tape.Exp(tape.Neg(logScale)));
            var layer = tape.Neg(tape.Sum(logScale, 1));
            logDet = logDet is null ? layer : tape.Add(logDet, layer);
        }
        logDet ??= tape.Full(x.Rows, 1, 0f);
        return new FlowInverse(z, logDet);
    }

    /// <summary>log p(x | y) per row, [B, 1].</summary>
    public Tensor LogDensity(Tape tape, Tensor x, Tensor condition)
    {
        var inverse = Inverse(tape, x, condition);
        return tape.Add(StandardNormalLogDensity(tape, inverse.Latent), inverse.LogDetInverse);
    }

    /// <summary>sum_i log N(z_i; 0, 1) per row, [B, 1].</summary>
    public static Tensor StandardNormalLogDensity(Tape tape, Tensor z) => tape.Sum(tape.Affine(tape.Square(z), -0.5f, -HalfLogTwoPi), 1);

    (Tensor LogScale, Tensor Shift) ScaleAndShift(Tape tape, int k, Tensor x, Tensor condition)
    {
        var kept = tape.Mul(x, _keep[k]);
        var input = ConditionSize == 0 ? kept : tape.Concat(kept, condition);
        var output = _conditioners[k].Forward(tape, input);
        var raw = tape.Slice(output, 1, 0, Dimension);
        float bound = LogScaleBound;
        var logScale = tape.Mul(tape.Affine(tape.Tanh(tape.Affine(raw, 1f / bound, 0f)), bound, 0f), _move[k]);
        var shift = tape.Mul(tape.Slice(output, 1, Dimension, Dimension), _move[k]);
        return (logScale, shift);
    }

    void CheckShapes(Tensor x, Tensor condition)
    {
        if (x.Cols != Dimension) throw new ArgumentException($"flow over {Dimension} dimensions got a batch {x.ShapeText}", nameof(x));
        if (ConditionSize > 0 && (condition.Cols != ConditionSize || condition.Rows != x.Rows))
            throw new ArgumentException($"flow conditioned on {ConditionSize} values got condition {condition.ShapeText} for batch {x.ShapeText}", nameof(condition));
    }

    /// <summary>Copies every parameter value from a flow of the same shape.</summary>
    public void CopyFrom(ConditionalRealNvp source)
    {
        if (source._parameters.Length != _parameters.Length || source.Dimension != Dimension || source.ConditionSize != ConditionSize)
            throw new ArgumentException("flows differ in shape", nameof(source));
        for (int i = 0; i < _parameters.Length; i++) _parameters[i].CopyFrom(source._parameters[i]);
    }
}
