using OfflineSafety.Envs;
using OfflineSafety.Envs.Controllers;
using OfflineSafety.Envs.Transfer;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Online.DualAgent;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>Samples one run needed to first evaluate at the baseline's return with cost under the limit (null: never, within the budget).</summary>
public sealed record SamplesToTarget(string Method, int Seed, long? Steps, long Budget);

/// <summary>
/// When a run counts as at the target, the same for every method: every <paramref name="EvaluateEvery"/> training
/// episodes, <paramref name="EvaluationEpisodes"/> deterministic episodes; samples to target are the steps at the first
/// of <paramref name="PassesInARow"/> consecutive passing evaluations. More episodes and K &gt; 1 keep a policy that
/// passed by luck (a few episodes that happened to stay centred) from counting as corrected. The defaults, 10 episodes
/// and 2 passes in a row, are the strict rule: with the old 3 episodes and a single pass an uncorrected imitator of the PD
/// law passed at 2,000 steps on some seeds (docs/transfer.md); TargetRule(2, 3, 1) is that old rule.
/// </summary>
public sealed record TargetRule(int EvaluateEvery = 2, int EvaluationEpisodes = 10, int PassesInARow = 2)
{
    /// <summary>The first of <see cref="PassesInARow"/> consecutive evaluations at <paramref name="targetReturn"/> or above with cost per step at most <paramref name="costLimit"/> (null: none).</summary>
    public EvaluationPoint? FirstPass(IReadOnlyList<EvaluationPoint> evaluations, double targetReturn, double costLimit)
    {
        int streak = 0;
        for (int i = 0; i < evaluations.Count; i++)
        {
            var r = evaluations[i].Result;
            streak = r.MeanReturn >= targetReturn && r.CostPerStep <= costLimit ? streak + 1 : 0;
            if (streak == PassesInARow) return evaluations[i - PassesInARow + 1];
        }
        return null;
    }
}

/// <summary>
/// The safe agent's state at the end of one training episode: what the dual step saw (Qbar against
/// Gamma), where it put lambda, and how far the safe agent sat from the baseline (D). <paramref name="OutwardCorrection"/>:
/// the correction pi_S - pi_B at a cart displaced to x = +0.25 (pole upright, at rest) minus that at x = -0.25, halved, in
/// squashed force. Positive pushes the cart further out, i.e. a stronger position gain than the PD law's (kx &gt; 0: a
/// push outwards tilts the pole inwards and the balancer then carries the cart back); negative weakens it.
/// </summary>
public sealed record DualAgentTracePoint(int Seed, int Episode, long Steps, float Return, double Cost, float Lambda, float MeanQ, float Budget, float Distance,
    float OutwardCorrection);

/// <summary>A from-scratch comparator's multiplier at the end of one training episode (SAC-L's beta, PPO-L's lambda), with the episode's cost.</summary>
public sealed record MultiplierTracePoint(string Method, int Seed, int Episode, long Steps, double Cost, float Multiplier);

/// <summary>What `experiment dual-agent` measured.</summary>
public sealed record DualAgentOutcome(IReadOnlyList<MethodRun> Runs, IReadOnlyList<SamplesToTarget> Samples, double BaselineReturn, double BaselineCostPerStep,
    double CostLimit)
{
    /// <summary>Per-episode trace of every dual-agent run, in run order.</summary>
    public IReadOnlyList<DualAgentTracePoint> Trace { get; init; } = [];

    /// <summary>Per-episode multiplier of every comparator run, in run order.</summary>
    public IReadOnlyList<MultiplierTracePoint> Multipliers { get; init; } = [];
}

/// <summary>
/// Dual-agent correction against the Lagrangian baseline from scratch, in the high-stakes cart-pole
/// (|x| &gt;= 0.2 costs per step; StakesPairs "cartpole-hazard"). The baseline is the environment's PD
/// law, fixed: high return, but about 14% of its steps cost. Both methods must reach the baseline's
/// own return with an evaluated cost per step at most delta; every few episodes
/// a deterministic evaluation checks, and the samples until the first of K passes in a row are counted (<see cref="TargetRule"/>). The
/// Lagrangian baseline is constrained SAC (SAC-L: cost critic, beta) with the same per-step limit,
/// trained from nothing; the project's `lr` needs an offline-pretrained Q_risk, which is not from scratch.
/// The paper's own comparators are on-policy (CPO, PPO-L): PPO-Lagrangian from scratch is the third
/// row, with the same target and limit on its own step budget (<paramref name="onPolicySteps"/>,
/// default the others'), since on-policy methods need many more samples and cost far less per sample.
/// </summary>
public sealed class DualAgentExperiment(ExperimentBudget budget, DualAgentSettings settings, long steps, TargetRule target,
    long? onPolicySteps = null)
{
    public const string Pair = "cartpole-hazard";
    public const string DualAgentName = "dual-agent (PD baseline)";
    public const string SacLagrangianName = "sac-lagrangian (scratch)";
    public const string PpoLagrangianName = "ppo-lagrangian (scratch)";

    /// <summary>The methods compared, in report order: the dual agent first, its comparators after.</summary>
    public static readonly OnlineAlgorithm[] Methods = [OnlineAlgorithm.DualAgent, OnlineAlgorithm.ConstrainedSac, OnlineAlgorithm.PpoLagrangian];

    /// <summary>
    /// Runs seeds <paramref name="firstSeed"/>..firstSeed+seeds-1 of <paramref name="chosen"/> (default all three, in
    /// <see cref="Methods"/> order). A run depends only on its method and seed, so a subset or a later block of seeds
    /// gives the same runs as the full experiment would (a sweep of the dual agent's settings need not rerun the comparators).
    /// </summary>
    public DualAgentOutcome Run(int seeds, Action<ExperimentProgress>? progress = null, CancellationToken ct = default, int firstSeed = 0,
        IReadOnlyCollection<OnlineAlgorithm>? chosen = null)
    {
        var pair = StakesPairs.Get(Pair);
        var definition = EnvironmentRegistry.Default.Get(pair.Environment);
        var controller = definition.Controller!;
        float limit = settings.Delta;
        var (baselineReturn, baselineCost) = Evaluate(controller, pair.CreateHighStakes(99), 20);
        var runs = new List<MethodRun>();
        var samples = new List<SamplesToTarget>();
        var trace = new List<DualAgentTracePoint>();
        var multipliers = new List<MultiplierTracePoint>();
        var methods = Methods.Where(m => chosen is null || chosen.Contains(m))
            .Select(m => (m, NameOf(m), m == OnlineAlgorithm.PpoLagrangian ? onPolicySteps ?? steps : steps)).ToArray();
        var phases = new PhaseProgress(progress, methods.Length * seeds);
        for (int seed = firstSeed; seed < firstSeed + seeds; seed++)
        {
            foreach (var (algorithm, method, budgetSteps) in methods)
            {
                ct.ThrowIfCancellationRequested();
                phases.Begin(0, $"seed {seed}: {method}");
                var env = pair.CreateHighStakes((ulong)(7919 * (seed + 1)));
                // Episodes end early while a policy still drops the pole, so both methods get the same step budget.
                var options = new OnlineRunOptions(algorithm, (int)budgetSteps, seed, $"dual-exp-{algorithm.Name()}-s{seed}")
                {
                    StepBudget = budgetSteps,
                    Sac = budget.Sac,
                    DualAgent = settings,
                    ConstrainedSac = new() { CostLimit = limit },
                    PpoLagrangian = new() { CostLimit = limit },
                    EvaluateEvery = target.EvaluateEvery,
                    EvaluationEpisodes = target.EvaluationEpisodes,
                };
                var box = new SquashedActionBox(env.ActionSpace.Low, env.ActionSpace.High);
                var start = new OnlineStart(null, null, null)
                {
                    Baseline = algorithm == OnlineAlgorithm.DualAgent ? new ControllerBaseline(controller, box) : null,
                };
                var runner = new OnlineRunner(env, start, options);
                Action<EpisodeOutcome> onEpisode = runner.Method is DualAgentMethod dual
                    ? e => trace.Add(new DualAgentTracePoint(seed, e.Episode, e.CumulativeSteps, e.Return, e.Cost, dual.Lambda, dual.Safe.LastMeanQ, dual.Safe.Budget, dual.Safe.LastDistance,
                        OutwardCorrection(dual)))
                    : e => multipliers.Add(new MultiplierTracePoint(method, seed, e.Episode, e.CumulativeSteps, e.Cost, runner.Lambda));
                var result = runner.Run(onEpisode: onEpisode + phases.Steps(0, budgetSteps), ct: ct);
                runs.Add(new MethodRun(method, seed, result));
                var first = target.FirstPass(result.Evaluations, baselineReturn, limit);
                samples.Add(new SamplesToTarget(method, seed, first?.Steps, result.Steps));
            }
        }
        phases.Done();
        return new DualAgentOutcome(runs, samples, baselineReturn, baselineCost, limit) { Trace = trace, Multipliers = multipliers };
    }

    /// <summary>The report's name of one of <see cref="Methods"/>.</summary>
    public static string NameOf(OnlineAlgorithm algorithm) => algorithm switch
    {
        OnlineAlgorithm.DualAgent => DualAgentName,
        OnlineAlgorithm.ConstrainedSac => SacLagrangianName,
        OnlineAlgorithm.PpoLagrangian => PpoLagrangianName,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "not a method of the dual-agent experiment"),
    };

    /// <summary>The controller's mean return and cost per step over <paramref name="episodes"/> episodes.</summary>
    public static (double Return, double CostPerStep) Evaluate(IController controller, ISafetyEnvironment env, int episodes)
    {
        var obs = new float[env.ObservationSpace.Dim];
        var action = new float[env.ActionSpace.Dim];
        double total = 0, cost = 0;
        long steps = 0;
        for (int e = 0; e < episodes; e++)
        {
            (e == 0 ? env.Reset(12345) : env.Reset()).CopyTo(obs);
            while (true)
            {
                controller.Act(obs, action);
                var result = env.Step(action);
                total += result.Reward;
                cost += result.Cost;
                steps++;
                if (result.Terminal || result.Truncated) break;
                result.Observation.CopyTo(obs);
            }
        }
        return (total / episodes, cost / steps);
    }

    /// <summary>See <see cref="DualAgentTracePoint.OutwardCorrection"/>.</summary>
    internal static float OutwardCorrection(DualAgentMethod dual)
    {
        Span<float> correction = stackalloc float[1];
        dual.Correction([0.25f, 0f, 0f, 0f], correction);
        float outward = correction[0];
        dual.Correction([-0.25f, 0f, 0f, 0f], correction);
        return (outward - correction[0]) / 2;
    }
}
