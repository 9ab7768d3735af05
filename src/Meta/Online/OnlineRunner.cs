using System.Diagnostics;
using OfflineSafety.Envs;
using OfflineSafety.Envs.Collection;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online.Methods;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// Online learning in one environment (Recovery RL thesis Algorithm 1, and the baselines on the
/// same SAC). Per environment step: the task policy proposes a_task; the method's safety layer
/// decides what executes; the task buffer stores the PROPOSED action and the critic buffer the
/// EXECUTED one (relabelling); then one safety-critic update, the method's own learning and one
/// SAC update. Every executed transition is also logged for the dataset store when a sink is given.
/// What differs between methods lives behind <see cref="ISafetyMethod"/>.
/// </summary>
public sealed class OnlineRunner
{
    private ISafetyEnvironment _env;
    private readonly OnlineRunOptions _options;
    private readonly Xoshiro256StarStar _random;
    private readonly SquashedActionBox _box;
    private readonly SoftActorCritic _sac;
    private readonly ReplayBuffer _taskBuffer;
    private readonly ReplayBuffer _criticBuffer;
    private readonly SafetyCriticUpdate? _criticUpdate;   // null for the methods that read no Q_risk
    private readonly ISafetyMethod _method;
    private readonly SacBatch _batch;
    private readonly RecoveryRelabel _relabel;   // Proposal for every method but Recovery RL with an ablation (SafetySettings.RecoveryRelabel)
    private readonly float _penalty;   // 0 for every method but Recovery RL with --recovery-penalty (SafetySettings.RecoveryPenalty)
    private long _steps;
    private long _deterministicUntil;   // acting uses the policy's mean while _steps is below it (set by Deploy)

    public OnlineRunner(ISafetyEnvironment env, OnlineStart start, OnlineRunOptions options)
    {
        _env = env;
        _options = options;
        var algorithm = options.Algorithm;
        _random = new Xoshiro256StarStar((ulong)options.Seed * 0x9E3779B97F4A7C15UL + 17);
        _box = SafetyMethods.TaskActions(algorithm, start, env);
        int od = env.ObservationSpace.Dim, ad = _box.Dim;
        if (algorithm.UsesCritic() && start.Critic is null)
            throw new BadInputException($"{algorithm.Name()} needs a safety critic");
        Critic = algorithm.UsesCritic() ? start.Critic : null;
        var observations = start.Critic?.Normalization
            ?? (start.Offline is { Count: > 0 } offline ? Normalization.Fit(offline) : Normalization.Identity(od, ad));
        if (observations.ObsDim != od || observations.ActDim != ad)
            throw new BadInputException($"critic/offline data are ({observations.ObsDim}, {observations.ActDim}) but {env.Id} is ({od}, {ad})");

        long capacity = (long)options.Episodes * env.Horizon;
        if (options.StepBudget is { } steps) capacity = Math.Min(capacity, steps + env.Horizon);
        int budget = (int)Math.Min(capacity + 1, int.MaxValue / Math.Max(od, 1));
        _sac = new SoftActorCritic(od, _box, observations, options.Sac, _random, options.Compute);
        _taskBuffer = new ReplayBuffer(budget, od, ad);
        _criticBuffer = new ReplayBuffer(budget + (start.Offline?.Count ?? 0), od, ad);
        if (start.Offline is { } rows)
            for (int i = 0; i < rows.Count; i++)
                _criticBuffer.Add(rows.ObsRow(i), rows.ActionRow(i), rows.Reward[i], rows.Cost[i], rows.Unsafe[i], rows.Terminal[i], rows.NextObsRow(i));
        _relabel = algorithm == OnlineAlgorithm.Recovery ? options.Safety.RecoveryRelabel : RecoveryRelabel.Proposal;
        _penalty = algorithm == OnlineAlgorithm.Recovery ? SafetySettings.CheckRecoveryPenalty(options.Safety.RecoveryPenalty) : 0f;
        _batch = new SacBatch(options.Sac.BatchSize, od, ad);
        if (Critic is not null) _criticUpdate = new SafetyCriticUpdate(Critic, options.Safety, options.Compute);
        // After SAC: model-based recovery draws its ensemble from the same stream.
        _method = SafetyMethods.Create(new SafetyMethodContext(options, start, _sac, _box, observations, (long)options.Episodes * env.Horizon, _random)
        {
            Horizon = env.Horizon,
        });
    }

    public SoftActorCritic TaskPolicy => _sac;
    public ReplayBuffer TaskBuffer => _taskBuffer;
    public ReplayBuffer CriticBuffer => _criticBuffer;
    public SafetyCritic? Critic { get; }

    /// <summary>Current lambda of the constrained baselines (NaN for the others).</summary>
    public float Lambda => _method.Lambda;

    /// <summary>The method in use (tests and experiments read its learners).</summary>
    public ISafetyMethod Method => _method;

    /// <summary>
    /// Safe transfer: later <see cref="Run"/> calls continue in <paramref name="deployment"/> with every
    /// network, multiplier and optimiser state kept. By default the task buffer is emptied, because the old rows'
    /// costs belong to the other variant's constraint. For the first <paramref name="deterministicSteps"/>
    /// deployment steps the agent acts with the policy's mean (<see cref="ISafetyMethod.Exploit"/>)
    /// while it keeps learning: SAC's exploration noise, harmless where pretraining took place, is what
    /// crashes the pretrained agent where every brush with a hazard ends the episode (docs/transfer.md).
    /// With <paramref name="keepTaskBuffer"/> the pretraining rows stay and the ring buffer replaces them
    /// oldest first, so the first updates do not see deployment's crashes alone.
    /// </summary>
    public void Deploy(ISafetyEnvironment deployment, long deterministicSteps = 0, bool keepTaskBuffer = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deterministicSteps);
        if (deployment.ObservationSpace.Dim != _env.ObservationSpace.Dim || deployment.ActionSpace.Dim != _env.ActionSpace.Dim)
            throw new BadInputException($"cannot transfer from {_env.Id} ({_env.ObservationSpace.Dim}, {_env.ActionSpace.Dim}) to {deployment.Id} ({deployment.ObservationSpace.Dim}, {deployment.ActionSpace.Dim})");
        _env = deployment;
        if (!keepTaskBuffer) _taskBuffer.Clear();
        _deterministicUntil = _steps + deterministicSteps;
    }

    /// <summary>
    /// Trains for <paramref name="episodes"/> episodes (at most, and by default, <see cref="OnlineRunOptions.Episodes"/>,
    /// which sized the buffers), stopping early once <paramref name="steps"/> (default <see cref="OnlineRunOptions.StepBudget"/>)
    /// environment steps are done. <paramref name="onEpisode"/> sees
    /// each finished episode; <paramref name="sink"/> receives every executed transition.
    /// </summary>
    public OnlineRunResult Run(ITransitionSink? sink = null, Action<EpisodeOutcome>? onEpisode = null, CancellationToken ct = default, int? episodes = null,
        long? steps = null)
    {
        int count = episodes ?? _options.Episodes;
        long? stepBudget = steps ?? _options.StepBudget;
        if (count < 0 || count > _options.Episodes)
            throw new ArgumentOutOfRangeException(nameof(episodes), $"a run of this runner trains at most {_options.Episodes} episodes, asked for {count}");
        long startSteps = _steps;
        var clock = Stopwatch.StartNew();
        int od = _env.ObservationSpace.Dim, ad = _env.ActionSpace.Dim;
        var log = sink is null ? null : new OnlineTransitionLog(sink, od, ad, _env.Variant.Id, _options.RunId);
        var obs = new float[od];
        var next = new float[od];
        var proposed = new float[ad];
        var executed = new float[ad];
        var outcomes = new List<EpisodeOutcome>(count);
        var evaluations = new List<EvaluationPoint>();
        int violations = 0, successes = 0;
        double lifetimeCost = 0;

        for (int episode = 0; episode < count && (stepBudget is not { } limit || _steps - startSteps < limit); episode++)
        {
            ct.ThrowIfCancellationRequested();
            (episode == 0 ? _env.Reset((ulong)_options.Seed) : _env.Reset()).CopyTo(obs);
            _method.BeginEpisode();
            float episodeReturn = 0;
            double episodeCost = 0;
            int recoverySteps = 0, step = 0, streakStart = -1;
            bool recovering = false, violated = false, succeeded = false;
            while (true)
            {
                if (_steps < _options.Sac.RandomSteps && !_method.OnPolicy)
                    for (int d = 0; d < ad; d++) proposed[d] = _random.Uniform(_box.Low(d), _box.High(d));
                else if (_steps < _deterministicUntil)
                    _method.Exploit(_sac, obs, proposed, _random);
                else
                    _method.Propose(_sac, obs, proposed, _random);
                proposed.CopyTo(executed, 0);
                bool shielded = _method.Shield(obs, executed);
                if (shielded)
                {
                    recoverySteps++;
                    if (!recovering) streakStart = step;
                }
                recovering = shielded;

                var result = _env.Step(executed);
                result.Observation.CopyTo(next);
                float reward = result.Reward;
                // Relabelling: the task policy learns from what it proposed (unless an ablation keeps what ran, or nothing); the critic from what ran.
                // With --recovery-penalty an overridden step also costs the task policy lambda (x - 0f is x, so 0 is the paper's).
                float taskReward = _method.TaskReward(reward, result.Cost);
                if (!shielded || _relabel != RecoveryRelabel.Drop)
                    _taskBuffer.Add(obs, shielded && _relabel == RecoveryRelabel.Executed ? executed : proposed, shielded ? taskReward - _penalty : taskReward,
                        result.Cost, result.Unsafe, result.Terminal, next);
                _criticBuffer.Add(obs, executed, reward, result.Cost, result.Unsafe, result.Terminal, next);
                log?.Add(episode, step, obs, executed, next, reward, result.Cost, result.Unsafe, result.Terminal, result.Truncated);
                _method.AfterStep(next, reward, result.Cost, result.Terminal, result.Truncated);
                episodeReturn += reward;
                episodeCost += result.Cost;
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
            lifetimeCost += episodeCost;
            var outcome = new EpisodeOutcome(episode, episodeReturn, step, violated, succeeded, recoverySteps, violations, successes, episodeCost, lifetimeCost)
            {
                CumulativeSteps = _steps - startSteps,
                LastRecoveryStreakStart = streakStart,
            };
            outcomes.Add(outcome);
            onEpisode?.Invoke(outcome);
            if (_options.EvaluateEvery > 0 && (episode + 1) % _options.EvaluateEvery == 0 && _options.EvaluationEpisodes > 0)
                evaluations.Add(new EvaluationPoint(_steps - startSteps, episode, Evaluate(_options.EvaluationEpisodes, ct)));
        }
        log?.Flush();
        return new OnlineRunResult(_options.RunId, _options.Algorithm, outcomes, _steps - startSteps, clock.Elapsed.TotalSeconds, log?.Rows ?? 0)
        {
            Evaluations = evaluations,
        };
    }

    /// <summary>Runs deterministic-actor episodes with the method's safety layer, without learning or logging.</summary>
    public EvaluationResult Evaluate(int episodes, CancellationToken ct = default)
    {
        int od = _env.ObservationSpace.Dim, ad = _env.ActionSpace.Dim;
        var obs = new float[od];
        var action = new float[ad];
        int violations = 0, successes = 0;
        long steps = 0;
        double total = 0, cost = 0;
        for (int e = 0; e < episodes; e++)
        {
            ct.ThrowIfCancellationRequested();
            _env.Reset().CopyTo(obs);
            _method.BeginEpisode();
            while (true)
            {
                _method.Exploit(_sac, obs, action, _random);
                _method.Shield(obs, action);
                var result = _env.Step(action);
                total += result.Reward;
                cost += result.Cost;
                steps++;
                if (result.Unsafe) violations++;
                if (result.Info.Success) successes++;
                if (result.Terminal || result.Truncated) break;
                result.Observation.CopyTo(obs);
            }
        }
        return new EvaluationResult(episodes, violations, successes, episodes == 0 ? double.NaN : total / episodes)
        {
            MeanCost = episodes == 0 ? double.NaN : cost / episodes,
            CostPerStep = steps == 0 ? double.NaN : cost / steps,
        };
    }

    private void Learn()
    {
        if (_criticUpdate is not null)
        {
            _criticUpdate.Step(_criticBuffer, _sac, _random);
            _method.AfterCriticUpdate(_steps, _criticUpdate.Batch, _criticBuffer, _random);
        }
        if (_method.OnPolicy || _taskBuffer.Count < _options.Sac.UpdateAfter) return;

        FillTaskBatch();
        _method.UpdateTaskPolicy(_sac, _batch, _taskBuffer, _random);
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
}
