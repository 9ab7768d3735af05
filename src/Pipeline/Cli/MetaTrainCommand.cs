using System.CommandLine;
using OfflineSafety.Meta.Jobs;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;
using static OfflineSafety.Pipeline.Cli.Output.CliOutput;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// `offsafe meta-train`: train a safety critic on a stored dataset with MESA, Multi-Task or
/// single-dataset training and publish it to the model registry with its lineage
/// (<see cref="MetaTrainingJob"/>). Every hyperparameter defaults to the trainer's config record;
/// options override one at a time.
/// </summary>
public static class MetaTrainCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "NAME[@REF]: the training dataset.", Required = true };
        var algo = new Option<string>("--algo") { Description = "mesa | multitask | single.", Required = true };
        algo.AcceptOnlyFromAmong(MetaTrainingJob.Algorithms);
        var variants = new Option<string[]>("--variants") { Description = "Variants to train on (default: all).", AllowMultipleArgumentsPerToken = true };
        var exclude = new Option<string[]>("--exclude-variant") { Description = "Variant(s) to hold out, e.g. the test variant." };
        var model = new Option<string>("--model") { Description = "Model name to publish as (next version).", Required = true };
        var steps = new Option<int?>("--steps") { Description = "Training steps (meta-iterations for mesa)." };
        var lr = new Option<float?>("--lr") { Description = "Adam learning rate (outer rate alpha_2 for mesa)." };
        var batch = new Option<int?>("--batch-size") { Description = "Batch size (inner and outer for mesa)." };
        var seed = new Option<int?>("--seed") { Description = "Random seed." };
        var arch = new Option<string?>("--arch") { Description = "2x256 | 3x100 | comma list of hidden widths." };
        var heads = new Option<int?>("--heads") { Description = "1 or 2 sigmoid heads (2: pessimistic max)." };
        var gamma = new Option<float?>("--gamma-risk") { Description = "Risk discount (default per environment)." };
        var eps = new Option<float?>("--eps-risk") { Description = "Risk threshold recorded with the model (default per environment)." };
        var tau = new Option<float?>("--tau-safe") { Description = "Polyak rate of the target network (default 20 / steps; the papers: 2e-4, see docs/online.md)." };
        var pos = new Option<double?>("--pos-fraction") { Description = "Fraction of unsafe rows per batch; negative samples the logged ratio." };
        var tasks = new Option<int?>("--tasks-per-iteration") { Description = "mesa: K variants per meta-iteration." };
        var innerSteps = new Option<int?>("--inner-steps") { Description = "mesa: inner SGD steps." };
        var innerLr = new Option<float?>("--inner-lr") { Description = "mesa: inner step size alpha_1 (initial value when learned)." };
        var fixedInner = new Option<bool>("--fixed-inner-lr") { Description = "mesa: do not learn per-tensor inner step sizes." };
        var firstOrder = new Option<bool>("--first-order") { Description = "mesa: first-order MAML (no Hessian term)." };

        var cmd = new Command("meta-train", "Train a safety critic (MESA, Multi-Task or single dataset) and publish it to the model registry.")
        {
            dataset, algo, variants, exclude, model, steps, lr, batch, seed, arch, heads, gamma, eps, tau, pos, tasks, innerSteps, innerLr, fixedInner, firstOrder,
        };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var request = new MetaTrainingRequest
            {
                Dataset = p.GetValue(dataset)!,
                Algorithm = p.GetValue(algo)!,
                Model = p.GetValue(model)!,
                Variants = p.GetValue(variants) is { Length: > 0 } v
                    ? v.SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray()
                    : null,
                ExcludeVariants = p.GetValue(exclude) ?? [],
                Steps = p.GetValue(steps),
                LearningRate = p.GetValue(lr),
                BatchSize = p.GetValue(batch),
                Seed = p.GetValue(seed),
                Architecture = p.GetValue(arch),
                Heads = p.GetValue(heads),
                GammaRisk = p.GetValue(gamma),
                EpsRisk = p.GetValue(eps),
                TauSafe = p.GetValue(tau),
                PosFraction = p.GetValue(pos),
                TasksPerIteration = p.GetValue(tasks),
                InnerSteps = p.GetValue(innerSteps),
                InnerLearningRate = p.GetValue(innerLr),
                FixedInnerLearningRate = p.GetValue(fixedInner),
                FirstOrder = p.GetValue(firstOrder),
            };
            var r = await new MetaTrainingJob(OpenStore(p)).RunAsync(request, WithProgress, ct);
            var chosen = r.Dataset.Variants;
            return Emit(p, new { model = r.Card.Reference, algorithm = r.Algorithm, dataset = r.Dataset.ToString(), variants = chosen, finalLoss = r.FinalLoss, seconds = r.Seconds },
                console => console.WriteLine($"{r.Card.Reference}: {r.Algorithm} on {r.Dataset} ({chosen.Count} variants), final loss {F(r.FinalLoss, "0.00000")}, {F(r.Seconds, "0.0")} s"));
        });
        return cmd;
    }
}
