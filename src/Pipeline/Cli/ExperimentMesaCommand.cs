using System.CommandLine;
using OfflineSafety.Envs;
using OfflineSafety.Errors;
using OfflineSafety.Pipeline.Experiments;
using static OfflineSafety.Pipeline.Cli.OnlineCommandSupport;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe experiment mesa`: MESA phases 1-3 in the held-out variant against Multi-Task, RRL and Unconstrained.</summary>
public static class ExperimentMesaCommand
{
    public static Command Create()
    {
        var env = new Option<string>("--env") { Description = string.Join(" | ", EnvironmentRegistry.Default.All.Select(d => d.Id)) + ".", Required = true };
        env.AcceptOnlyFromAmong([.. EnvironmentRegistry.Default.All.Select(d => d.Id)]);
        var seeds = new Option<int>("--seeds") { Description = "Seeds per method.", DefaultValueFactory = _ => 3 };
        var quick = new Option<bool>("--quick") { Description = "Reduced budget for every method alike (see docs/online.md)." };
        var episodes = new Option<int?>("--episodes") { Description = "Override the online episodes per run." };
        var cmd = new Command("mesa", "MESA vs Multi-Task vs RRL critics (and Unconstrained SAC) during online Recovery RL in the held-out variant.")
        {
            env, seeds, quick, episodes,
        };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var definition = EnvironmentRegistry.Default.Get(p.GetValue(env)!);
            int seedCount = p.GetValue(seeds);
            if (seedCount < 1) throw new BadInputException($"--seeds must be at least 1, got {seedCount}");
            var budget = p.GetValue(quick) ? ExperimentBudget.Quick(definition) : ExperimentBudget.Paper(definition);
            if (p.GetValue(episodes) is { } e) budget = budget with { Episodes = e };
            var runs = WithPhases($"experiment mesa {definition.Id}", progress => new MesaExperiment(definition, budget).Run(seedCount, progress, ct));
            string command = $"offsafe experiment mesa --env {definition.Id} --seeds {seedCount}{(p.GetValue(quick) ? " --quick" : "")} --episodes {budget.Episodes}";
            return await ExperimentOnlineOutput.EmitAsync(p, $"MESA online: {definition.Id}, held-out variant", command, budget, runs, $"mesa-{definition.Id}", ct: ct);
        });
        return cmd;
    }
}
