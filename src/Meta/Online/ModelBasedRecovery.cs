using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// Recovery RL's model-based recovery (thesis section 4.4; PETS, Chua et al. 2018): an ensemble of
/// probabilistic dynamics networks and a CEM planner. Defaults are the navigation settings of
/// algorithms.md section 2.
/// </summary>
public sealed record PetsSettings
{
    public int EnsembleSize { get; init; } = 5;
    public int[] Hidden { get; init; } = [200, 200, 200];
    public float LearningRate { get; init; } = 1e-3f;
    public int BatchSize { get; init; } = 256;

    /// <summary>Ensemble training steps on the offline rows before the first plan.</summary>
    public int PretrainSteps { get; init; } = 2000;

    /// <summary>Online: one ensemble step every this many environment steps.</summary>
    public int UpdateEvery { get; init; } = 10;
    public int Horizon { get; init; } = 5;
    public int Population { get; init; } = 400;
    public int Elites { get; init; } = 40;
    public int Iterations { get; init; } = 5;
}

/// <summary>
/// One PETS ensemble member: MLP [norm obs ++ norm action] -> swish hidden layers -> [mean | log var]
/// of the standardised state change delta-s. Log variance is softly bounded as in PETS so the
/// Gaussian NLL cannot collapse the variance.
/// </summary>
internal sealed class DynamicsNetwork
{
    private const float MaxLogVar = 0.5f, MinLogVar = -10f;
    private readonly Linear[] _layers;

    public DynamicsNetwork(int inputs, int[] hidden, int obsDim, Xoshiro256StarStar random)
    {
        var widths = new[] { inputs }.Concat(hidden).Append(2 * obsDim).ToArray();
        _layers = new Linear[widths.Length - 1];
        for (int l = 0; l < _layers.Length; l++) _layers[l] = new Linear(widths[l], widths[l + 1], random);
        Parameters = _layers.SelectMany(l => new[] { l.Weight, l.Bias! }).ToArray();
        ObsDim = obsDim;
    }

    public Tensor[] Parameters { get; }
    public int ObsDim { get; }

    public (Tensor Mean, Tensor LogVar) Forward(Tape tape, Tensor x)
    {
        var h = x;
        for (int l = 0; l < _layers.Length - 1; l++) h = tape.Swish(_layers[l].Forward(tape, h));
        var output = _layers[^1].Forward(tape, h);
        var mean = tape.Slice(output, 1, 0, ObsDim);
        var raw = tape.Slice(output, 1, ObsDim, ObsDim);
        // max - softplus(max - v), then min + softplus(v - min).
        var upper = tape.Affine(tape.Softplus(tape.Affine(raw, -1f, MaxLogVar)), -1f, MaxLogVar);
        var logVar = tape.AddScalar(tape.Softplus(tape.AddScalar(upper, -MinLogVar)), MinLogVar);
        return (mean, logVar);
    }
}

/// <summary>
/// Model-based recovery: when the proposed action is too risky, plan a_rec by the cross-entropy
/// method over H-step action sequences, scoring each by the sum of Q_risk along a trajectory
/// imagined with the learned ensemble (each candidate rolled out by one member, trajectory
/// sampling), and execute the first action of the best elite. The ensemble trains on the critic
/// buffer, which holds the offline rows and every executed online transition.
/// </summary>
public sealed class ModelBasedRecovery : IOnlineRecovery
{
    private readonly SafetyCritic _critic;
    private readonly SquashedActionBox _box;
    private readonly Normalization _normalization;
    private readonly PetsSettings _settings;
    private readonly Xoshiro256StarStar _random;
    private readonly DynamicsNetwork[] _ensemble;
    private readonly Adam[] _adams;
    private readonly Tape _tape = new();
    private readonly int _od, _ad;
    private readonly float[] _deltaMean, _deltaStd;
    private readonly float[] _input, _target;
    private readonly int[] _rows;
    // CEM state: sequences [P, H, A] in squashed units, states [P, od], costs [P].
    private readonly float[] _mean, _std, _sequences, _states, _actions, _costs, _risk, _scratchObs;
    private readonly int[] _order;
    private bool _fitted;
    private long _seen;

    public ModelBasedRecovery(SafetyCritic critic, SquashedActionBox box, Normalization normalization, PetsSettings settings, Xoshiro256StarStar random)
    {
        if (settings.Elites > settings.Population || settings.Elites <= 0) throw new ArgumentException($"CEM needs 0 < elites <= population, got {settings.Elites} of {settings.Population}");
        _critic = critic;
        _box = box;
        _normalization = normalization;
        _settings = settings;
        _random = random.Split();
        _od = normalization.ObsDim;
        _ad = normalization.ActDim;
        _ensemble = new DynamicsNetwork[settings.EnsembleSize];
        _adams = new Adam[settings.EnsembleSize];
        for (int m = 0; m < _ensemble.Length; m++)
        {
            _ensemble[m] = new DynamicsNetwork(_od + _ad, settings.Hidden, _od, _random);
            _adams[m] = new Adam(_ensemble[m].Parameters, settings.LearningRate);
        }
        _deltaMean = new float[_od];
        _deltaStd = new float[_od];
        int rows = Math.Max(settings.BatchSize, settings.Population);
        _input = new float[rows * (_od + _ad)];
        _target = new float[settings.BatchSize * _od];
        _rows = new int[settings.BatchSize];
        int p = settings.Population, h = settings.Horizon;
        _mean = new float[h * _ad];
        _std = new float[h * _ad];
        _sequences = new float[p * h * _ad];
        _states = new float[p * _od];
        _actions = new float[p * _ad];
        _costs = new float[p];
        _risk = new float[p];
        _scratchObs = new float[_od];
        _order = new int[p];
    }

    /// <summary>Mean Gaussian NLL of the latest training step, averaged over members.</summary>
    public float LastLoss { get; private set; }

    // The model learns from every executed transition, not from the critic's class-balanced batch.
    void IOnlineRecovery.Learn(CriticBatch criticBatch, ReplayBuffer criticBuffer, Xoshiro256StarStar random) => Learn(criticBuffer, random);

    /// <summary>Called once per environment step: pretrains on first use, then one step every UpdateEvery.</summary>
    public void Learn(ReplayBuffer buffer, Xoshiro256StarStar random)
    {
        if (!_fitted)
        {
            FitDeltaScale(buffer);
            for (int i = 0; i < _settings.PretrainSteps; i++) Train(buffer);
            _fitted = true;
        }
        if (++_seen % _settings.UpdateEvery == 0) Train(buffer);
    }

    /// <summary>One Adam step of every member on its own bootstrap batch.</summary>
    public void Train(ReplayBuffer buffer)
    {
        int b = _settings.BatchSize, width = _od + _ad;
        float total = 0;
        for (int m = 0; m < _ensemble.Length; m++)
        {
            buffer.SampleRows(_rows, _random);
            for (int i = 0; i < b; i++)
            {
                int row = _rows[i];
                _normalization.NormalizeObs(buffer.ObsRow(row), _input.AsSpan(i * width, _od));
                _normalization.NormalizeAction(buffer.ActionRow(row), _input.AsSpan(i * width + _od, _ad));
                var s = buffer.ObsRow(row);
                var s2 = buffer.NextObsRow(row);
                for (int d = 0; d < _od; d++) _target[i * _od + d] = (s2[d] - s[d] - _deltaMean[d]) / _deltaStd[d];
            }
            var tape = _tape;
            tape.Reset();
            var (mean, logVar) = _ensemble[m].Forward(tape, tape.Constant(_input.AsSpan(0, b * width), b, width));
            var err = tape.Sub(mean, tape.Constant(_target, b, _od));
            var nll = tape.Mean(tape.Add(tape.Mul(tape.Square(err), tape.Exp(tape.Neg(logVar))), logVar));
            _adams[m].ZeroGrad();
            tape.Backward(nll);
            _adams[m].Step();
            total += nll.ToScalar();
        }
        LastLoss = total / _ensemble.Length;
    }

    /// <summary>Plans and writes the recovery action for a raw observation, in environment units.</summary>
    public void Act(ReadOnlySpan<float> obs, Span<float> action)
    {
        int p = _settings.Population, h = _settings.Horizon, e = _settings.Elites, ad = _ad;
        Array.Clear(_mean);
        Array.Fill(_std, 0.5f);
        int best = 0;
        for (int iteration = 0; iteration < _settings.Iterations; iteration++)
        {
            for (int k = 0; k < p; k++)
                for (int j = 0; j < h * ad; j++)
                    _sequences[k * h * ad + j] = Math.Clamp(_mean[j] + _std[j] * (float)_random.NextNormal(), -1f, 1f);
            Imagine(obs);
            for (int k = 0; k < p; k++) _order[k] = k;
            Array.Sort(_costs, _order, 0, p);
            best = _order[0];
            // Refit the sampling distribution to the elites (lowest summed risk).
            for (int j = 0; j < h * ad; j++)
            {
                double sum = 0, sumSq = 0;
                for (int r = 0; r < e; r++) { double v = _sequences[_order[r] * h * ad + j]; sum += v; sumSq += v * v; }
                double m = sum / e;
                _mean[j] = (float)m;
                _std[j] = (float)Math.Sqrt(Math.Max(1e-6, sumSq / e - m * m));
            }
        }
        _box.ToEnvironment(_sequences.AsSpan(best * h * ad, ad), action);
    }

    // Rolls every candidate sequence through its ensemble member, summing Q_risk(s_t, a_t) into _costs.
    private void Imagine(ReadOnlySpan<float> obs)
    {
        int p = _settings.Population, h = _settings.Horizon, od = _od, ad = _ad, width = od + ad, members = _ensemble.Length;
        for (int k = 0; k < p; k++) obs.CopyTo(_states.AsSpan(k * od, od));
        Array.Clear(_costs);
        for (int t = 0; t < h; t++)
        {
            for (int k = 0; k < p; k++) _box.ToEnvironment(_sequences.AsSpan((k * h + t) * ad, ad), _actions.AsSpan(k * ad, ad));
            _critic.Score(_states, _actions, p, _risk);
            for (int k = 0; k < p; k++) _costs[k] += _risk[k];
            if (t == h - 1) break;
            // Candidate k rolls out with member k mod M: candidates are i.i.d., so this is trajectory sampling.
            for (int m = 0; m < members; m++)
            {
                int rows = 0;
                for (int k = m; k < p; k += members, rows++)
                {
                    _normalization.NormalizeObs(_states.AsSpan(k * od, od), _input.AsSpan(rows * width, od));
                    _normalization.NormalizeAction(_actions.AsSpan(k * ad, ad), _input.AsSpan(rows * width + od, ad));
                }
                var tape = _tape;
                tape.Reset();
                using (tape.NoGrad())
                {
                    var (mean, logVar) = _ensemble[m].Forward(tape, tape.Constant(_input.AsSpan(0, rows * width), rows, width));
                    var mu = mean.Data;
                    var lv = logVar.Data;
                    int r = 0;
                    for (int k = m; k < p; k += members, r++)
                        for (int d = 0; d < od; d++)
                        {
                            float z = mu[r * od + d] + MathF.Exp(0.5f * lv[r * od + d]) * (float)_random.NextNormal();
                            _states[k * od + d] += _deltaMean[d] + _deltaStd[d] * z;
                        }
                }
            }
        }
    }

    private void FitDeltaScale(ReplayBuffer buffer)
    {
        if (buffer.Count == 0) throw new BadInputException("model-based recovery needs offline transitions to fit its dynamics model");
        var sum = new double[_od];
        var sumSq = new double[_od];
        for (int i = 0; i < buffer.Count; i++)
        {
            var s = buffer.ObsRow(i);
            var s2 = buffer.NextObsRow(i);
            for (int d = 0; d < _od; d++) { double v = s2[d] - s[d]; sum[d] += v; sumSq[d] += v * v; }
        }
        for (int d = 0; d < _od; d++)
        {
            double m = sum[d] / buffer.Count;
            _deltaMean[d] = (float)m;
            _deltaStd[d] = (float)Math.Max(1e-3, Math.Sqrt(Math.Max(0, sumSq[d] / buffer.Count - m * m)));
        }
    }
}
