using System.CommandLine;
using System.Text;
using Spectre.Console;
using OfflineSafety.Envs;
using OfflineSafety.Envs.Transfer;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Online.ConstrainedSac;
using OfflineSafety.Pipeline.Experiments;
using OfflineSafety.Pipeline.Reports;
using static OfflineSafety.Pipeline.Cli.Output.CliOutput;
using static OfflineSafety.Pipeline.Cli.OnlineCommandSupport;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe experiment transfer`: constrained SAC pretrained in a low-stakes variant vs trained from scratch in the high-stakes one.</summary>
public static class ExperimentTransferCommand
{
    private const float DiscountedDefaultLimit = 0.1f;

    public static Command Create()
    {
        var pair = new Option<string>("--pair") { Description = $"Variant pair: {string.Join(" | ", StakesPairs.All.Select(p => p.Name))}.", DefaultValueFactory = _ => "cartpole-hazard" };
        pair.AcceptOnlyFromAmong([.. StakesPairs.All.Select(p => p.Name)]);
        var seeds = new SeedsOption("Seeds per method.");
        var quick = new Option<bool>("--quick") { Description = "Reduced budget for every method alike (see docs/transfer.md)." };
        var steps = new Option<long?>("--steps") { Description = "Deployment (high-stakes) environment steps per run (default 20000 with --quick, else 200000)." };
        var pretrain = new Option<long?>("--pretrain-steps") { Description = "Low-stakes pretraining steps (default: as many as --steps)." };
        var scale = new Option<string>("--limit-scale") { Description = "Scale of the cost limit: per-step ((1 - gamma_c) Q_c, the default) or discounted (Q_c itself).", DefaultValueFactory = _ => "per-step" };
        scale.AcceptOnlyFromAmong("per-step", "discounted");
        var limit = new Option<float?>("--cost-limit") { Description = "The cost limit in --limit-scale units (default 0.05 per step; 0.1 discounted)." };
        var deterministic = new Option<long>("--deploy-deterministic-steps") { Description = "The pretrained agent acts with its policy's mean (no exploration noise) for this many of its first deployment steps, learning all the while (default 0).", DefaultValueFactory = _ => 0 };
        var keep = new Option<bool>("--keep-pretrain-buffer") { Description = "Deployment starts with the pretraining rows in the replay buffer (replaced oldest first) instead of an empty one." };
        var cmd = new Command("transfer", "Safe transfer: pretrain constrained SAC in a low-stakes variant, evaluate zero-shot, fine-tune in the high-stakes one; lifetime regret against training from scratch.")
        {
            pair, seeds.Option, quick, steps, pretrain, scale, limit, deterministic, keep,
        };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var stakes = StakesPairs.Get(p.GetValue(pair)!);
            int seedCount = seeds.Get(p);
            var definition = EnvironmentRegistry.Default.Get(stakes.Environment);
            var budget = p.GetValue(quick) ? ExperimentBudget.Quick(definition) : ExperimentBudget.Paper(definition);
            long deploySteps = p.GetValue(steps) ?? (p.GetValue(quick) ? 20_000 : 200_000);
            if (deploySteps < 1 || deploySteps > 10_000_000) throw new BadInputException($"--steps must be in [1, 10000000], got {deploySteps}");
            long pretrainSteps = p.GetValue(pretrain) ?? deploySteps;
            if (pretrainSteps < 1 || pretrainSteps > 10_000_000) throw new BadInputException($"--pretrain-steps must be in [1, 10000000], got {pretrainSteps}");
            long deterministicSteps = p.GetValue(deterministic);
            if (deterministicSteps < 0 || deterministicSteps > deploySteps) throw new BadInputException($"--deploy-deterministic-steps must be in [0, --steps = {deploySteps}], got {deterministicSteps}");
            budget = budget with { StepBudget = deploySteps };
            var defaults = new ConstrainedSacSettings();
            var limitScale = p.GetValue(scale) == "discounted" ? CostLimitScale.Discounted : CostLimitScale.PerStep;
            // Not the per-step limit's discounted equivalent (0.05 / (1 - gamma_c) = 5): where a violation
            // ends the episode Q_c never exceeds 1, and a limit of 5 was measured never to bind (docs/transfer.md).
            float costLimit = p.GetValue(limit) ?? (limitScale == CostLimitScale.PerStep ? defaults.CostLimit : DiscountedDefaultLimit);
            if (!float.IsFinite(costLimit) || costLimit <= 0) throw new BadInputException($"--cost-limit must be a positive number, got {costLimit}");
            var settings = defaults with { Scale = limitScale, CostLimit = costLimit };
            var experiment = new TransferExperiment(stakes, budget, pretrainSteps, deploySteps, settings: settings, deployDeterministicSteps: deterministicSteps, keepPretrainBuffer: p.GetValue(keep));
            var outcome = WithPhases($"experiment transfer {stakes.Name}", progress => experiment.Run(seedCount, progress, ct));
            string command = $"offsafe experiment transfer --pair {stakes.Name} --seeds {seedCount}{(p.GetValue(quick) ? " --quick" : "")} --steps {deploySteps} --pretrain-steps {pretrainSteps} --limit-scale {p.GetValue(scale)} --cost-limit {costLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)}{(deterministicSteps > 0 ? $" --deploy-deterministic-steps {deterministicSteps}" : "")}{(p.GetValue(keep) ? " --keep-pretrain-buffer" : "")}";
            var zeroReturn = MeanError.Of(outcome.ZeroShots.Select(z => z.Result.MeanReturn).ToList());
            var zeroCost = MeanError.Of(outcome.ZeroShots.Select(z => z.Result.MeanCost).ToList());
            var notes = new StringBuilder();
            notes.AppendLine($"Pair `{stakes.Name}`: low stakes: {stakes.LowStakes}; high stakes: {stakes.HighStakes}. Observations carry the previous reward and cost.").AppendLine();
            notes.AppendLine($"Cost limit: {outcome.Settings.Describe()} (scale {outcome.Settings.Scale}). Pretraining: {pretrainSteps} low-stakes steps; lifetime regret counts the {deploySteps} high-stakes steps only. The pretrained agent acts with its policy's mean for its first {deterministicSteps} deployment steps (the scratch arms explore from the start); its replay buffer {(p.GetValue(keep) ? "keeps the pretraining rows" : "starts empty")} at deployment.").AppendLine();
            notes.AppendLine($"Zero-shot in the high-stakes variant (pretrained, before fine-tuning; 5 deterministic episodes per seed): return {ExperimentReport.Format(zeroReturn)}, cost per episode {ExperimentReport.Format(zeroCost)}.");
            var extra = new
            {
                pair = stakes.Name,
                costLimit = outcome.Settings.CostLimit,
                limitScale = outcome.Settings.Scale.ToString(),
                pretrainSteps,
                deploySteps,
                deployDeterministicSteps = deterministicSteps,
                keepPretrainBuffer = p.GetValue(keep),
                zeroShot = outcome.ZeroShots.Select(z => new { seed = z.Seed, @return = z.Result.MeanReturn, cost = z.Result.MeanCost, costPerStep = z.Result.CostPerStep }),
            };
            return await ExperimentOnlineOutput.EmitAsync(p, $"Safe transfer with constrained SAC: {stakes.Name}", command, budget, outcome.Runs, $"transfer-{stakes.Name}",
                notes.ToString(), ct, extra: extra, table: console =>
                {
                    var table = NewTable("zero-shot", "return", "cost per episode");
                    table.AddRow("pretrained, before fine-tuning", ExperimentReport.Format(zeroReturn), ExperimentReport.Format(zeroCost));
                    table.Caption($"limit: {outcome.Settings.Describe()}");
                    console.Write(table);
                });
        });
        return cmd;
    }
}
