using OfflineSafety.Envs.Transfer;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Online.ConstrainedSac;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>Zero-shot figures of one pretrained agent in the high-stakes variant, before any fine-tuning.</summary>
public sealed record ZeroShot(int Seed, EvaluationResult Result);

/// <summary>What `experiment transfer` measured: the deployment runs (lifetime regret = their total cost) and the zero-shot evaluations.</summary>
public sealed record TransferOutcome(StakesPair Pair, IReadOnlyList<MethodRun> Runs, IReadOnlyList<ZeroShot> ZeroShots, ConstrainedSacSettings Settings);

/// <summary>
/// Safe transfer (Knight and Achiam) on a named stakes pair: per seed, constrained SAC with previous
/// reward and cost as inputs pretrains in the low-stakes variant, is evaluated zero-shot in the
/// high-stakes one, and fine-tunes there; against constrained SAC and unconstrained SAC trained from
/// scratch in the high-stakes variant for the same deployment steps. Only deployment steps count
/// towards lifetime regret. Budgets are in environment steps: a policy that drops the pole ends its
/// episodes early, and an episode budget would let it run up less cost by living less.
/// <paramref name="deployDeterministicSteps"/>: the pretrained agent acts with its policy's mean for
/// that many of its first deployment steps, and with <paramref name="keepPretrainBuffer"/> its replay buffer
/// keeps the pretraining rows (<see cref="OnlineRunner.Deploy"/>); the scratch arms are unchanged.
/// </summary>
public sealed class TransferExperiment(StakesPair pair, ExperimentBudget budget, long pretrainSteps, long deploySteps, int evaluationEpisodes = 5,
    ConstrainedSacSettings? settings = null, long deployDeterministicSteps = 0, bool keepPretrainBuffer = false)
{
    public const string Transfer = "csac transfer (pretrained)";
    public const string Scratch = "csac scratch";
    public const string Unconstrained = "sac unconstrained scratch";

    public ConstrainedSacSettings Settings { get; } = settings ?? new();
    public long DeployDeterministicSteps { get; } = deployDeterministicSteps;
    public bool KeepPretrainBuffer { get; } = keepPretrainBuffer;

    public TransferOutcome Run(int seeds, Action<ExperimentProgress>? progress = null, CancellationToken ct = default)
    {
        var runs = new List<MethodRun>();
        var zeroShots = new List<ZeroShot>();
        var phases = new PhaseProgress(progress, 3 * seeds);
        for (int seed = 0; seed < seeds; seed++)
        {
            ulong envSeed = (ulong)(7919 * (seed + 1));
            phases.Begin(0, $"seed {seed}: pretraining in the low-stakes variant");
            var pretrain = new OnlineRunner(new FeedbackObservations(pair.CreateLowStakes(envSeed + 1)), Empty, Options(OnlineAlgorithm.ConstrainedSac, seed, "pretrain"));
            pretrain.Run(onEpisode: phases.Steps(0, pretrainSteps), ct: ct, steps: pretrainSteps);
            pretrain.Deploy(new FeedbackObservations(pair.CreateHighStakes(envSeed)), DeployDeterministicSteps, KeepPretrainBuffer);
            zeroShots.Add(new ZeroShot(seed, pretrain.Evaluate(evaluationEpisodes, ct)));
            phases.Begin(0, $"seed {seed}: fine-tuning in the high-stakes variant");
            runs.Add(new MethodRun(Transfer, seed, pretrain.Run(onEpisode: phases.Steps(0, deploySteps), ct: ct, steps: deploySteps)));

            foreach (var (name, algorithm) in new[] { (Scratch, OnlineAlgorithm.ConstrainedSac), (Unconstrained, OnlineAlgorithm.Unconstrained) })
            {
                phases.Begin(0, $"seed {seed}: {name}");
                var runner = new OnlineRunner(new FeedbackObservations(pair.CreateHighStakes(envSeed)), Empty, Options(algorithm, seed, "scratch"));
                runs.Add(new MethodRun(name, seed, runner.Run(onEpisode: phases.Steps(0, deploySteps), ct: ct, steps: deploySteps)));
            }
        }
        phases.Done();
        return new TransferOutcome(pair, runs, zeroShots, Settings);
    }

    private static OnlineStart Empty => new(null, null, null);

    // Episodes only bound the run (each takes at least one step); the step budgets passed to Run end it.
    private OnlineRunOptions Options(OnlineAlgorithm algorithm, int seed, string phase) =>
        new(algorithm, (int)Math.Max(pretrainSteps, deploySteps), seed, $"transfer-{pair.Name}-{phase}-{algorithm.Name()}-s{seed}")
        {
            Sac = budget.Sac,
            ConstrainedSac = Settings,
            StepBudget = Math.Max(pretrainSteps, deploySteps),
        };
}
