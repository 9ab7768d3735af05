using System.CommandLine;
using OfflineSafety.Envs;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Online;
using OfflineSafety.Pipeline.Experiments;
using static OfflineSafety.Pipeline.Cli.OnlineCommandSupport;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe experiment recovery`: Recovery RL against Unconstrained, LR, SQRL, RP, RCPO and RSPO.</summary>
public static class ExperimentRecoveryCommand
{
    public static Command Create()
    {
        var env = new EnvironmentOption();
        var seeds = new SeedsOption("Seeds per method.");
        var quick = new Option<bool>("--quick") { Description = "Reduced budget for every method alike (see docs/online.md)." };
        var episodes = new Option<int?>("--episodes") { Description = "Override the online episodes per run." };
        var methods = new Option<string[]>("--methods") { Description = "Subset of methods (default: all seven).", AllowMultipleArgumentsPerToken = true };
        var workers = new WorkersOption();
        var cmd = new Command("recovery", "Recovery RL against its baselines on the same SAC and the same pretrained safety critic.")
        {
            env.Option, seeds.Option, quick, episodes, methods, workers.Option,
        };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var definition = env.Get(p);
            int seedCount = seeds.Get(p);
            int workerCount = workers.Get(p);
            var budget = p.GetValue(quick) ? ExperimentBudget.Quick(definition) : ExperimentBudget.Paper(definition);
            if (p.GetValue(episodes) is { } e) budget = budget with { Episodes = e };
            var chosen = p.GetValue(methods) is { Length: > 0 } m
                ? m.SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(OnlineAlgorithms.Parse).ToArray()
                : RecoveryExperiment.Methods;
            var runs = WithPhases($"experiment recovery {definition.Id}", progress => new RecoveryExperiment(definition, budget).Run(seedCount, chosen, progress, ct, workerCount));
            string command = $"offsafe experiment recovery --env {definition.Id} --seeds {seedCount}{(p.GetValue(quick) ? " --quick" : "")} --episodes {budget.Episodes}"
                + (p.GetValue(methods) is { Length: > 0 } ? $" --methods {string.Join(",", chosen.Select(a => a.Name()))}" : "");
            return await ExperimentOnlineOutput.EmitAsync(p, $"Recovery RL vs baselines: {definition.Id}", command, budget, runs, $"recovery-{definition.Id}", ct: ct);
        });
        return cmd;
    }
}
