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
        var training = new MetaTrainingOptions("NAME[@REF]: the training dataset.");
        var cmd = new Command("meta-train", "Train a safety critic (MESA, Multi-Task or single dataset) and publish it to the model registry.");
        training.AddTo(cmd);
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var request = training.Build(p);
            var r = await new MetaTrainingJob(OpenStore(p)).RunAsync(request, WithProgress, ct);
            var chosen = r.Dataset.Variants;
            return Emit(p, new { model = r.Card.Reference, algorithm = r.Algorithm, dataset = r.Dataset.ToString(), variants = chosen, finalLoss = r.FinalLoss, seconds = r.Seconds },
                console => console.WriteLine($"{r.Card.Reference}: {r.Algorithm} on {r.Dataset} ({chosen.Count} variants), final loss {F(r.FinalLoss, "0.00000")}, {F(r.Seconds, "0.0")} s"));
        });
        return cmd;
    }
}
