using System.CommandLine;
using OfflineSafety.Meta.Jobs;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;
using static OfflineSafety.Pipeline.Cli.Output.CliOutput;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// `offsafe adapt`: M Adam steps of a stored critic on one variant's data, with the recovery policy
/// trained alongside; the result is published as a new model naming its base (which is not changed).
/// The work is <see cref="AdaptationJob"/>'s; this parses the options and prints.
/// </summary>
public static class AdaptCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "NAME[@V]: the base critic.", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "NAME[@REF]: the dataset holding the test-variant data.", Required = true };
        var variant = new Option<string>("--variant") { Description = "The variant to adapt to.", Required = true };
        var steps = new Option<int?>("--steps") { Description = "Adaptation steps M (default 500; 100 for Navigation)." };
        var lr = new Option<float?>("--lr") { Description = "Adam learning rate (default 1e-3)." };
        var batch = new Option<int?>("--batch-size") { Description = "Batch size (default 256; 64 for Navigation)." };
        var seed = new Option<int?>("--seed") { Description = "Random seed." };
        var noRecovery = new Option<bool>("--no-recovery") { Description = "Do not train a recovery policy alongside." };
        var modelOut = new Option<string>("--model-out") { Description = "Model name to publish the adapted critic as.", Required = true };
        var cmd = new Command("adapt", "Adapt a stored critic to a variant from a small dataset and publish the result.")
        {
            model, dataset, variant, steps, lr, batch, seed, noRecovery, modelOut,
        };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var request = new AdaptationRequest
            {
                BaseModel = p.GetValue(model)!,
                Dataset = p.GetValue(dataset)!,
                Variant = p.GetValue(variant)!,
                Model = p.GetValue(modelOut)!,
                Steps = p.GetValue(steps),
                LearningRate = p.GetValue(lr),
                BatchSize = p.GetValue(batch),
                Seed = p.GetValue(seed),
                TrainRecoveryPolicy = !p.GetValue(noRecovery),
            };
            var r = await new AdaptationJob(OpenStore(p)).RunAsync(request, WithProgress, ct);
            return Emit(p, new { model = r.Card.Reference, baseModel = r.BaseCard.Reference, dataset = r.Dataset.ToString(), variant = request.Variant, steps = r.Config.Steps, finalLoss = r.FinalLoss },
                console => console.WriteLine($"{r.Card.Reference}: {r.BaseCard.Reference} adapted on {r.Dataset} variant {request.Variant} for {r.Config.Steps} steps, final loss {F(r.FinalLoss, "0.00000")}"));
        });
        return cmd;
    }
}
