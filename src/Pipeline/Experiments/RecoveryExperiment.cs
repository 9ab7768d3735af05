using OfflineSafety.Envs;
using OfflineSafety.Meta.Hyperparameters;
using OfflineSafety.Meta.Online;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>
/// Recovery RL against its baselines (thesis ch. 5) in one environment: per seed, one offline
/// dataset from the environment's collection recipe, ONE critic (and recovery policy) pretrained
/// on it, then every method online from a copy of that critic, on the same SAC settings. It runs
/// in the nominal dynamics (navigation: B = I), the single environment the Recovery RL paper used,
/// with the domain's Recovery RL eps_risk where it has one (<see cref="DomainHyperparameters.RecoveryRlEpsRisk"/>).
/// </summary>
public sealed class RecoveryExperiment(EnvironmentDefinition environment, ExperimentBudget budget)
{
    public static readonly OnlineAlgorithm[] Methods =
        [OnlineAlgorithm.Recovery, OnlineAlgorithm.Unconstrained, OnlineAlgorithm.Lagrangian, OnlineAlgorithm.Sqrl,
         OnlineAlgorithm.RewardPenalty, OnlineAlgorithm.Rcpo, OnlineAlgorithm.Rspo];

    /// <summary>Every method on seeds 0..<paramref name="seeds"/>-1, up to <paramref name="workers"/> seeds side by side (<see cref="SeedParallel"/>).</summary>
    public IReadOnlyList<MethodRun> Run(int seeds, IReadOnlyList<OnlineAlgorithm>? methods = null,
        Action<ExperimentProgress>? progress = null, CancellationToken ct = default, int workers = 1)
    {
        var chosen = methods ?? Methods;
        var safety = budget.Safety(environment.Id);
        if (DomainHyperparameterTable.For(environment.Id).RecoveryRlEpsRisk is { } eps) safety = safety with { EpsRisk = eps };
        // The critic and the recovery policy each pretrain for PretrainSteps.
        double offlineWork = ExperimentBudget.CollectionWork(budget.OfflineTransitions) + budget.UpdateWork(2L * safety.PretrainSteps);
        var phases = new PhaseProgress(progress, seeds * (offlineWork + chosen.Count * budget.OnlineWork(environment.Horizon)));
        var compute = SeedParallel.LaneCompute(seeds, workers);
        var perSeed = SeedParallel.Map(seeds, workers, seed => RunSeed(seed, chosen, safety, compute, phases, offlineWork, ct), ct);
        phases.Done();
        return perSeed.SelectMany(r => r).ToList();
    }

    private List<MethodRun> RunSeed(int seed, IReadOnlyList<OnlineAlgorithm> methods, SafetySettings safety, ComputeOptions compute, PhaseProgress phases,
        double offlineWork, CancellationToken ct)
    {
        var runs = new List<MethodRun>();
        var variant = environment.Variants.Nominal;
        phases.Begin(seed, $"seed {seed}: offline data + critic pretraining", offlineWork);
        var offline = OnlineStartTraining.CollectOffline(environment, variant, budget.OfflineTransitions, (ulong)(1000 + seed), ct);
        var start = OnlineStartTraining.Pretrain(offline, safety, budget.CriticArchitecture, seed, compute: compute, ct: ct);
        foreach (var method in methods)
        {
            phases.Begin(seed, $"seed {seed}: {method.Name()}", budget.OnlineWork(environment.Horizon));
            // The copy scores with the lane's threads too (RCPO scores a whole batch each update).
            var copy = new OnlineStart(start.Critic!.Clone(compute), start.Recovery!.Clone(), offline);
            var options = new OnlineRunOptions(method, budget.Episodes, seed, $"recovery-exp-{environment.Id}-{method.Name()}-s{seed}")
            {
                Sac = budget.Sac,
                Safety = safety,
                Compute = compute,
            };
            var env = environment.Create(variant, (ulong)(7919 * (seed + 1)));
            runs.Add(new MethodRun(method.Name(), seed, new OnlineRunner(env, copy, options).Run(onEpisode: phases.Episodes(seed, budget.Episodes), ct: ct)));
        }
        phases.End(seed);
        return runs;
    }
}
