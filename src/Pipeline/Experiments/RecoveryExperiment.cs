using OfflineSafety.Envs;
using OfflineSafety.Meta.Hyperparameters;
using OfflineSafety.Meta.Online;

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

    public IReadOnlyList<MethodRun> Run(int seeds, IReadOnlyList<OnlineAlgorithm>? methods = null,
        Action<ExperimentProgress>? progress = null, CancellationToken ct = default)
    {
        methods ??= Methods;
        var runs = new List<MethodRun>();
        var safety = budget.Safety(environment.Id);
        if (DomainHyperparameterTable.For(environment.Id).RecoveryRlEpsRisk is { } eps) safety = safety with { EpsRisk = eps };
        var variant = environment.Variants.Nominal;
        int total = seeds * (methods.Count + 1), done = 0;
        for (int seed = 0; seed < seeds; seed++)
        {
            progress?.Invoke(new ExperimentProgress($"seed {seed}: offline data + critic pretraining", (double)done / total));
            var offline = OnlineStartTraining.CollectOffline(environment, variant, budget.OfflineTransitions, (ulong)(1000 + seed), ct);
            var start = OnlineStartTraining.Pretrain(offline, safety, budget.CriticArchitecture, seed, ct: ct);
            done++;
            foreach (var method in methods)
            {
                progress?.Invoke(new ExperimentProgress($"seed {seed}: {method.Name()}", (double)done / total));
                var copy = new OnlineStart(start.Critic!.Clone(), start.Recovery!.Clone(), offline);
                var options = new OnlineRunOptions(method, budget.Episodes, seed, $"recovery-exp-{environment.Id}-{method.Name()}-s{seed}")
                {
                    Sac = budget.Sac,
                    Safety = safety,
                };
                var env = environment.Create(variant, (ulong)(7919 * (seed + 1)));
                runs.Add(new MethodRun(method.Name(), seed, new OnlineRunner(env, copy, options).Run(ct: ct)));
                done++;
            }
        }
        progress?.Invoke(new ExperimentProgress("done", 1));
        return runs;
    }
}
