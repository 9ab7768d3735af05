using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online.DualAgent;
using OfflineSafety.Meta.Online.Methods;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Distributions;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.PpoLagrangian;

/// <summary>
/// PPO-Lagrangian (Ray et al. 2019; the on-policy comparator of the dual-agent paper) on the runner's
/// loop: a Gaussian policy with a state-independent log-std acts (no uniform warm-up, no replay); every
/// executed step goes into a rollout; when <see cref="PpoLagrangianSettings.RolloutSteps"/> are in, lambda
/// takes its projected ascent step on the rollout's mean episode cost against the limit, GAE gives reward
/// and cost advantages from their own value critics, and the policy takes several epochs of minibatch
/// steps on the clipped surrogate of the combined advantage (A_r - lambda A_c) / (1 + lambda). Actions
/// are sampled in squashed units and clipped to [-1, 1] to execute; the rollout keeps the unclipped
/// sample, whose log-probability the ratio needs. The runner's SAC is not used.
/// </summary>
public sealed class PpoLagrangianMethod : ISafetyMethod
{
    private const float HalfLogTwoPi = 0.918938533f;
    private readonly PpoLagrangianSettings _settings;
    private readonly SquashedActionBox _box;
    private readonly Normalization _observations;
    private readonly Xoshiro256StarStar _random;
    private readonly float _episodeLimit;
    private readonly Mlp _mean, _valueReward, _valueCost;
    private readonly Tensor _logStd;
    private readonly Adam _policyAdam, _valueAdam;
    private readonly ProjectedMultiplier _lambda;
    private readonly Tape _tape = new();
    private readonly Tape _actTape = new();
    private readonly int _od, _ad;

    // The rollout, preallocated: row t holds step t's normalised observation and unclipped action.
    private readonly float[] _obs, _actions, _logProb, _valueR, _valueC, _rewards, _costs, _bootR, _bootC;
    private readonly bool[] _terminal, _ends;
    private readonly float[] _advR, _advC, _retR, _retC, _advantage;
    private readonly int[] _order;
    // One minibatch, gathered.
    private readonly float[] _mbObs, _mbActions, _mbOldLogProb, _mbAdvantage, _mbRetR, _mbRetC;
    private readonly float[] _normObs, _squashed;
    private int _count;
    private bool _pending;
    private double _episodeCost, _finishedCost;
    private int _finishedEpisodes;

    public PpoLagrangianMethod(SafetyMethodContext context)
    {
        _settings = context.Options.PpoLagrangian;
        if (_settings.RolloutSteps < _settings.MinibatchSize || _settings.MinibatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(context), $"PPO-L: a rollout of {_settings.RolloutSteps} steps cannot fill minibatches of {_settings.MinibatchSize}");
        _box = context.Box;
        _observations = context.Observations;
        _random = context.Random;
        _od = context.Observations.ObsDim;
        _ad = context.Box.Dim;
        _episodeLimit = _settings.CostLimit * context.Horizon;
        _mean = new Mlp(_od, _settings.Hidden, _ad, _random, Activation.Tanh);
        _logStd = Tensor.Matrix(1, _ad);
        _logStd.Data.Fill(_settings.InitialLogStd);
        _logStd.RequiresGrad = true;
        _valueReward = new Mlp(_od, _settings.Hidden, 1, _random, Activation.Tanh);
        _valueCost = new Mlp(_od, _settings.Hidden, 1, _random, Activation.Tanh);
        _policyAdam = new Adam([.. _mean.Parameters, _logStd], _settings.LearningRate);
        _valueAdam = new Adam([.. _valueReward.Parameters, .. _valueCost.Parameters], _settings.LearningRate);
        _lambda = new ProjectedMultiplier(_settings.LambdaLearningRate, _settings.InitialLambda);

        int n = _settings.RolloutSteps, b = _settings.MinibatchSize;
        _obs = new float[n * _od];
        _actions = new float[n * _ad];
        _logProb = new float[n];
        _valueR = new float[n];
        _valueC = new float[n];
        _rewards = new float[n];
        _costs = new float[n];
        _bootR = new float[n];
        _bootC = new float[n];
        _terminal = new bool[n];
        _ends = new bool[n];
        _advR = new float[n];
        _advC = new float[n];
        _retR = new float[n];
        _retC = new float[n];
        _advantage = new float[n];
        _order = new int[n];
        _mbObs = new float[b * _od];
        _mbActions = new float[b * _ad];
        _mbOldLogProb = new float[b];
        _mbAdvantage = new float[b];
        _mbRetR = new float[b];
        _mbRetC = new float[b];
        _normObs = new float[_od];
        _squashed = new float[_ad];
    }

    public bool OnPolicy => true;

    public float Lambda => _lambda.Value;

    /// <summary>Policy updates (one per full rollout) so far.</summary>
    public int Updates { get; private set; }

    /// <summary>The rollout mean episode cost the last dual step saw (NaN before the first).</summary>
    public double LastEpisodeCost { get; private set; } = double.NaN;

    public void Propose(SoftActorCritic policy, ReadOnlySpan<float> obs, Span<float> action, Xoshiro256StarStar random)
    {
        int t = _count;
        var row = _obs.AsSpan(t * _od, _od);
        _observations.NormalizeObs(obs, row);
        var u = _actions.AsSpan(t * _ad, _ad);
        var tape = _actTape;
        tape.Reset();
        using (tape.NoGrad())
        {
            var s = tape.Constant(row, 1, _od);
            _mean.Forward(tape, s).Data.CopyTo(u);
            _valueR[t] = _valueReward.Forward(tape, s)[0];
            _valueC[t] = _valueCost.Forward(tape, s)[0];
        }
        float logProb = 0;
        for (int d = 0; d < _ad; d++)
        {
            float logStd = _logStd[0, d];
            float z = (float)random.NextNormal();
            u[d] += MathF.Exp(logStd) * z;
            logProb += -0.5f * z * z - HalfLogTwoPi - logStd;
        }
        _logProb[t] = logProb;
        _pending = true;
        ToEnvironment(u, action);
    }

    public void Exploit(SoftActorCritic policy, ReadOnlySpan<float> obs, Span<float> action, Xoshiro256StarStar random)
    {
        _observations.NormalizeObs(obs, _normObs);
        var tape = _actTape;
        tape.Reset();
        using (tape.NoGrad())
            _mean.Forward(tape, tape.Constant(_normObs, 1, _od)).Data.CopyTo(_squashed);
        ToEnvironment(_squashed, action);
    }

    private void ToEnvironment(ReadOnlySpan<float> u, Span<float> action)
    {
        for (int d = 0; d < _ad; d++) _squashed[d] = Math.Clamp(u[d], -1f, 1f);
        _box.ToEnvironment(_squashed, action);
    }

    public void AfterStep(ReadOnlySpan<float> next, float reward, float cost, bool terminal, bool truncated)
    {
        if (!_pending) return;   // an action the method did not sample (a deterministic deployment start)
        _pending = false;
        int t = _count++;
        bool full = _count == _settings.RolloutSteps;
        _rewards[t] = reward;
        _costs[t] = cost;
        _terminal[t] = terminal;
        _ends[t] = terminal || truncated || full;
        _bootR[t] = _bootC[t] = 0f;
        if (_ends[t] && !terminal)
        {
            _observations.NormalizeObs(next, _normObs);
            var tape = _actTape;
            tape.Reset();
            using (tape.NoGrad())
            {
                var s = tape.Constant(_normObs, 1, _od);
                _bootR[t] = _valueReward.Forward(tape, s)[0];
                _bootC[t] = _valueCost.Forward(tape, s)[0];
            }
        }
        _episodeCost += cost;
        if (terminal || truncated)
        {
            _finishedCost += _episodeCost;
            _finishedEpisodes++;
            _episodeCost = 0;
        }
        if (full) Update();
    }

    private void Update()
    {
        // The dual step first, on this rollout's finished episodes, so the policy step uses the new lambda.
        if (_finishedEpisodes > 0)
        {
            LastEpisodeCost = _finishedCost / _finishedEpisodes;
            _lambda.Ascend((float)(LastEpisodeCost - _episodeLimit));
            _finishedCost = 0;
            _finishedEpisodes = 0;
        }
        var s = _settings;
        GeneralizedAdvantage.Compute(_rewards, _valueR, _bootR, _terminal, _ends, s.Gamma, s.GaeLambda, _advR, _retR);
        GeneralizedAdvantage.Compute(_costs, _valueC, _bootC, _terminal, _ends, s.Gamma, s.GaeLambda, _advC, _retC);
        CombineAdvantages(_advR, _advC, _lambda.Value, _advantage);

        int n = s.RolloutSteps, b = s.MinibatchSize;
        for (int i = 0; i < n; i++) _order[i] = i;
        for (int epoch = 0; epoch < s.Epochs; epoch++)
        {
            for (int i = n - 1; i > 0; i--)
            {
                int j = _random.NextInt(i + 1);
                (_order[i], _order[j]) = (_order[j], _order[i]);
            }
            for (int start = 0; start + b <= n; start += b) Step(start, b);
        }
        _count = 0;
        Updates++;
    }

    /// <summary>
    /// The reward advantage standardised over the rollout, the cost advantage only centred (its scale is
    /// what lambda weighs), combined as (A_r - lambda A_c) / (1 + lambda) so the step size does not grow with lambda.
    /// </summary>
    public static void CombineAdvantages(Span<float> reward, Span<float> cost, float lambda, Span<float> combined)
    {
        int n = reward.Length;
        double meanR = 0, meanC = 0;
        for (int i = 0; i < n; i++) { meanR += reward[i]; meanC += cost[i]; }
        meanR /= n;
        meanC /= n;
        double variance = 0;
        for (int i = 0; i < n; i++) variance += (reward[i] - meanR) * (reward[i] - meanR);
        float std = (float)Math.Sqrt(variance / n) + 1e-8f;
        for (int i = 0; i < n; i++)
        {
            reward[i] = (float)(reward[i] - meanR) / std;
            cost[i] = (float)(cost[i] - meanC);
            combined[i] = (reward[i] - lambda * cost[i]) / (1f + lambda);
        }
    }

    private void Step(int start, int b)
    {
        for (int i = 0; i < b; i++)
        {
            int row = _order[start + i];
            _obs.AsSpan(row * _od, _od).CopyTo(_mbObs.AsSpan(i * _od, _od));
            _actions.AsSpan(row * _ad, _ad).CopyTo(_mbActions.AsSpan(i * _ad, _ad));
            _mbOldLogProb[i] = _logProb[row];
            _mbAdvantage[i] = _advantage[row];
            _mbRetR[i] = _retR[row];
            _mbRetC[i] = _retC[row];
        }
        var tape = _tape;
        tape.Reset();
        var obs = tape.Constant(_mbObs, b, _od);
        var logProb = GaussianPolicy.DiagonalLogProb(tape, _mean.Forward(tape, obs), tape.Expand(_logStd, b, _ad), tape.Constant(_mbActions, b, _ad));
        var policyLoss = ClippedSurrogate.Loss(tape, logProb, tape.Constant(_mbOldLogProb, b, 1), tape.Constant(_mbAdvantage, b, 1), _settings.Clip);
        _policyAdam.ZeroGrad();
        tape.Backward(policyLoss);
        GradientClipping.ClipGlobalNorm(_policyAdam.Parameters, _settings.MaxGradNorm);
        _policyAdam.Step();

        var valueLoss = tape.Add(tape.Mse(_valueReward.Forward(tape, obs), tape.Constant(_mbRetR, b, 1)),
            tape.Mse(_valueCost.Forward(tape, obs), tape.Constant(_mbRetC, b, 1)));
        _valueAdam.ZeroGrad();
        tape.Backward(valueLoss);
        GradientClipping.ClipGlobalNorm(_valueReward.Parameters, _settings.MaxGradNorm);
        GradientClipping.ClipGlobalNorm(_valueCost.Parameters, _settings.MaxGradNorm);
        _valueAdam.Step();
    }
}
