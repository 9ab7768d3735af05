using System.Diagnostics;
using OfflineSafety.Envs;
using OfflineSafety.Envs.Collection;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online;

/// <summary>What one online run does.</summary>
public sealed record OnlineRunOptions(OnlineAlgorithm Algorithm, int Episodes, int Seed, string RunId)
{
    public RecoveryKind Recovery { get; init; } = RecoveryKind.ModelFree;
    public SacSettings Sac { get; init; } = new();
    public SafetySettings Safety { get; init; } = new();
    public PetsSettings Pets { get; init; } = new();

    /// <summary>Deterministic evaluation episodes after training (0: none).</summary>
    public int EvaluationEpisodes { get; init; }
}

/// <summary>What the run starts from: a safety critic (and recovery policy), and offline rows that seed the critic buffer.</summary>
public sealed record OnlineStart(SafetyCritic? Critic, RecoveryPolicy? Recovery, TransitionBatch? Offline);

/// <summary>
/// Online learning in one environment (Recovery RL thesis Algorithm 1, and the baselines on the
/// same SAC). Per environment step: the task policy proposes a_task; the method's safety layer
/// decides what executes; the task buffer stores the PROPOSED action and the critic buffer the
/// EXECUTED one (relabelling); then one SAC update, one safety-critic update and one recovery
/// update. Every executed transition is also logged for the dataset store when a sink is given.
/// </summary>
public sealed class OnlineRunner
{
    private readonly ISafetyEnvironment _env;
    private readonly OnlineRunOptions _options;
    private readonly Xoshiro256StarStar _random;
    private readonly SquashedActionBox _box;
    private readonly SafetyCritic? _critic;
    private readonly SoftActorCritic _sac;
    private readonly ReplayBuffer _taskBuffer;
    private readonly ReplayBuffer _criticBuffer;
    private readonly SafetyCriticUpdate? _criticUpdate;
    private readonly RecoveryPolicyUpdate? _recoveryUpdate;
    private readonly IRecoveryActor? _recovery;
    private readonly ModelBasedRecovery? _planner;
    private readonly ActorRiskPenalty? _penalty;
    private readonly LagrangeMultiplier? _multiplier;
    private readonly SqrlFilter? _filter;
    private readonly SacBatch _batch;
    private readonly float[] _risk = new float[1];
    private readonly float[] _rcpoRisk;
    private readonly float[] _rcpoRaw;
    private readonly float[] _rcpoObs;
    private long _steps;

    public OnlineRunner(ISafetyEnvironment env, OnlineStart start, OnlineRunOptions options)
    {
        _env = env;
        _options = options;
        var algorithm = options.Algorithm;
        _random = new Xoshiro256StarStar((ulong)options.Seed * 0x9E3779B97F4A7C15UL + 17);
        _box = new SquashedActionBox(env.ActionSpace.Low, env.ActionSpace.High);
        int od = env.ObservationSpace.Dim, ad = env.ActionSpace.Dim;
        if (algorithm.UsesCritic() && start.Critic is null)
            throw new InvalidOperationException($"{algorithm.Name()} needs a safety critic");
        _critic = algorithm.UsesCritic() ? start.Critic : null;
        var observations = start.Critic?.Normalization
            ?? (start.Offline is { Count: > 0 } offline ? Normalization.Fit(offline) : Normalization.Identity(od, ad));
        if (observations.ObsDim != od || observations.ActDim != ad)
            throw new ArgumentException($"critic/offline data are ({observations.ObsDim}, {observations.ActDim}) but {env.Id} is ({od}, {ad})");

        int budget = options.Episodes * env.Horizon + 1;
        _sac = new SoftActorCritic(od, _box, observations, options.Sac, _random);
        _taskBuffer = new ReplayBuffer(budget, od, ad);
        _criticBuffer = new ReplayBuffer(budget + (start.Offline?.Count ?? 0), od, ad);
        if (start.Offline is { } rows)
            for (int i = 0; i < rows.Count; i++)
                _criticBuffer.Add(rows.ObsRow(i), rows.ActionRow(i), rows.Reward[i], rows.Cost[i], rows.Unsafe[i], rows.Terminal[i], rows.NextObsRow(i));
        _batch = new SacBatch(options.Sac.BatchSize, od, ad);
        _rcpoRisk = new float[options.Sac.BatchSize];
        _rcpoRaw = new float[options.Sac.BatchSize * ad];
        _rcpoObs = new float[options.Sac.BatchSize * od];

        if (_critic is not null) _criticUpdate = new SafetyCriticUpdate(_critic, options.Safety);
        if (algorithm == OnlineAlgorithm.Recovery)
        {
            if (options.Recovery == RecoveryKind.ModelFree)
            {
                var policy = start.Recovery ?? throw new InvalidOperationException("model-free Recovery RL needs a recovery policy");
                _recovery = new RecoveryActor(policy);
                _recoveryUpdate = new RecoveryPolicyUpdate(policy, _critic!, options.Safety.CriticBatchSize, options.Safety.RecoveryLearningRate);
            }
            else
            {
                _planner = new ModelBasedRecovery(_critic!, _box, observations, options.Pets, _random);
                _recovery = _planner;
            }
        }
        if (algorithm is OnlineAlgorithm.Lagrangian or OnlineAlgorithm.Sqrl or OnlineAlgorithm.Rspo)
            _penalty = new ActorRiskPenalty(_critic!, _box, options.Sac.BatchSize);
        if (algorithm is OnlineAlgorithm.Lagrangian or OnlineAlgorithm.Sqrl or OnlineAlgorithm.Rcpo)
            _multiplier = new LagrangeMultiplier(options.Safety.LagrangeLambda, options.Safety.EpsRisk, options.Safety.LagrangeLearningRate);
        if (algorithm == OnlineAlgorithm.Sqrl) _filter = new SqrlFilter(_sac, _critic!, options.Safety.SqrlSamples);
    }

    public SoftActorCritic TaskPolicy => _sac;
    public ReplayBuffer TaskBuffer => _taskBuffer;
    public ReplayBuffer CriticBuffer => _criticBuffer;
    public SafetyCritic? Critic => _critic;

    /// <summary>Current lambda of the constrained baselines (NaN for the others).</summary>
    public float Lambda => _options.Algorithm switch
    {
        OnlineAlgorithm.Rspo => RspoLambda,
        OnlineAlgorithm.RewardPenalty => _options.Safety.PenaltyLambda,
        _ => _multiplier?.Value ?? float.NaN,
    };

    // RSPO: 2x the LR lambda at the start, 0 at the end of the step budget.
    private float RspoLambda => 2f * _options.Safety.LagrangeLambda * MathF.Max(0f, 1f - _steps / (float)(_options.Episodes * _env.Horizon));

    /// <summary>
    /// Trains for <see cref="OnlineRunOptions.Episodes"/> episodes. <paramref name="onEpisode"/> sees
    /// each finished episode; <paramref name="sink"/> receives every executed transition.
    /// </summary>
    public OnlineRunResult Run(ITransitionSink? sink = null, Action<EpisodeOutcome>? onEpisode = null, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        int od = _env.ObservationSpace.Dim, ad = _env.ActionSpace.Dim;
        var log = sink is null ? null : new OnlineTransitionLog(sink, od, ad, _env.Variant.Id, _options.RunId);
        var obs = new float[od];
        var next = new float[od];
        var proposed = new float[ad];
        var executed = new float[ad];
        var outcomes = new List<EpisodeOutcome>(_options.Episodes);
        int violations = 0, successes = 0;
        var algorithm = _options.Algorithm;
        float eps = _options.Safety.EpsRisk;

        for (int episode = 0; episode < _options.Episodes; episode++)
        {
            ct.ThrowIfCancellationRequested();
            (episode == 0 ? _env.Reset((ulong)_options.Seed) : _env.Reset()).CopyTo(obs);
            float episodeReturn = 0;
            int recoverySteps = 0, step = 0;
            bool violated = false, succeeded = false;
            while (true)
            {
                if (_steps < _options.Sac.RandomSteps)
                    for (int d = 0; d < ad; d++) proposed[d] = _random.Uniform(_box.Low(d), _box.High(d));
                else if (_filter is not null)
                    _filter.Act(obs, eps, proposed, _random);
                else
                    _sac.Act(obs, proposed, deterministic: false, _random);
                proposed.CopyTo(executed, 0);
                if (_recovery is not null)
                {
                    _critic!.Score(obs, proposed, 1, _risk);
                    if (RecoverySwitch.ShouldRecover(_risk[0], eps))
                    {
                        _recovery.Act(obs, executed);
                        _box.Clip(executed);
                        recoverySteps++;
                    }
                }

                var result = _env.Step(executed);
                result.Observation.CopyTo(next);
                float reward = result.Reward;
                float taskReward = algorithm == OnlineAlgorithm.RewardPenalty ? reward - _options.Safety.PenaltyLambda * result.Cost : reward;
                // Relabelling: the task policy learns from what it proposed; the critic from what ran.
                _taskBuffer.Add(obs, proposed, taskReward, result.Cost, result.Unsafe, result.Terminal, next);
                _criticBuffer.Add(obs, executed, reward, result.Cost, result.Unsafe, result.Terminal, next);
                log?.Add(episode, step, obs, executed, next, reward, result.Cost, result.Unsafe, result.Terminal, result.Truncated);
                episodeReturn += reward;
                violated |= result.Unsafe;
                succeeded |= result.Info.Success;
                _steps++;
                step++;
                Learn();
                if (result.Terminal || result.Truncated) break;
                next.CopyTo(obs, 0);
            }
            if (violated) violations++;
            if (succeeded) successes++;
            var outcome = new EpisodeOutcome(episode, episodeReturn, step, violated, succeeded, recoverySteps, violations, successes);
            outcomes.Add(outcome);
            onEpisode?.Invoke(outcome);
        }
        log?.Flush();
        return new OnlineRunResult(_options.RunId, algorithm, outcomes, _steps, clock.Elapsed.TotalSeconds, log?.Rows ?? 0);
    }

    /// <summary>Runs deterministic-actor episodes with the method's safety layer, without learning or logging.</summary>
    public EvaluationResult Evaluate(int episodes, CancellationToken ct = default)
    {
        int od = _env.ObservationSpace.Dim, ad = _env.ActionSpace.Dim;
        var obs = new float[od];
        var action = new float[ad];
        int violations = 0, successes = 0;
        double total = 0;
        for (int e = 0; e < episodes; e++)
        {
            ct.ThrowIfCancellationRequested();
            _env.Reset().CopyTo(obs);
            while (true)
            {
                _sac.Act(obs, action, deterministic: true, _random);
                if (_recovery is not null)
                {
                    _critic!.Score(obs, action, 1, _risk);
                    if (RecoverySwitch.ShouldRecover(_risk[0], _options.Safety.EpsRisk)) { _recovery.Act(obs, action); _box.Clip(action); }
                }
                var result = _env.Step(action);
                total += result.Reward;
                if (result.Unsafe) violations++;
                if (result.Info.Success) successes++;
                if (result.Terminal || result.Truncated) break;
                result.Observation.CopyTo(obs);
            }
        }
        return new EvaluationResult(episodes, violations, successes, episodes == 0 ? double.NaN : total / episodes);
    }

    private void Learn()
    {
        if (_criticUpdate is not null)
        {
            _criticUpdate.Step(_criticBuffer, _sac, _random);
            _recoveryUpdate?.Step(_criticUpdate.Batch, _random);
        }
        _planner?.Learn(_criticBuffer, _random);
        if (_taskBuffer.Count < _options.Sac.UpdateAfter) return;

        FillTaskBatch();
        if (_options.Algorithm == OnlineAlgorithm.Rcpo) PenalizeRewardsByRisk(_multiplier!.Value);
        if (_penalty is not null) _penalty.Lambda = _options.Algorithm == OnlineAlgorithm.Rspo ? RspoLambda : _multiplier!.Value;
        _sac.Update(_batch, _penalty, _random);
        if (_multiplier is not null)
            _multiplier.Update(_options.Algorithm == OnlineAlgorithm.Rcpo ? Mean(_rcpoRisk) : _penalty!.LastMeanRisk);
    }

    private void FillTaskBatch()
    {
        var b = _batch;
        var n = _sac.Observations;
        _taskBuffer.SampleRows(b.Rows, _random);
        int od = b.ObsDim, ad = b.ActDim;
        for (int i = 0; i < b.Size; i++)
        {
            int row = b.Rows[i];
            n.NormalizeObs(_taskBuffer.ObsRow(row), b.Obs.AsSpan(i * od, od));
            n.NormalizeObs(_taskBuffer.NextObsRow(row), b.NextObs.AsSpan(i * od, od));
            _box.ToSquashed(_taskBuffer.ActionRow(row), b.Action.AsSpan(i * ad, ad));
            b.Reward[i] = _taskBuffer.Reward(row);
            b.Done[i] = _taskBuffer.Terminal(row);
        }
    }

    // RCPO: r' = r - lambda Q_risk(s, a) for the batch's stored (proposed) actions.
    private void PenalizeRewardsByRisk(float lambda)
    {
        var b = _batch;
        int od = b.ObsDim, ad = b.ActDim;
        var obs = _rcpoObs;
        for (int i = 0; i < b.Size; i++)
        {
            _taskBuffer.ObsRow(b.Rows[i]).CopyTo(obs.AsSpan(i * od, od));
            _taskBuffer.ActionRow(b.Rows[i]).CopyTo(_rcpoRaw.AsSpan(i * ad, ad));
        }
        _critic!.Score(obs, _rcpoRaw, b.Size, _rcpoRisk);
        for (int i = 0; i < b.Size; i++) b.Reward[i] -= lambda * _rcpoRisk[i];
    }

    private static float Mean(ReadOnlySpan<float> values)
    {
        double s = 0;
        foreach (var v in values) s += v;
        return values.Length == 0 ? 0 : (float)(s / values.Length);
    }
}
