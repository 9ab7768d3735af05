using System.CommandLine;
using System.Diagnostics;
using OfflineSafety.Meta.Adaptation;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// `offsafe adapt`: M Adam steps of a stored critic on one variant's data, with the recovery policy
/// trained alongside; the result is published as a new model naming its base (which is not changed).
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
            var objects = OpenStore(p);
            var registry = new ModelRegistry(objects);
            string outName = p.GetValue(modelOut)!;
            ModelReference.ValidateName(outName);
            var stored = await registry.LoadAsync(ModelReference.Parse(p.GetValue(model)!), ct);
            var data = await LoadAsync(objects, p.GetValue(dataset)!, p.GetValue(variant), ct);
            if (data.Batch.ObsDim != stored.Card.ObsDim || data.Batch.ActDim != stored.Card.ActDim)
                throw new ArgumentException($"{data.Lineage} has obs/action dims ({data.Batch.ObsDim},{data.Batch.ActDim}) but {stored.Card.Reference} expects ({stored.Card.ObsDim},{stored.Card.ActDim})");

            var d = AdaptationConfig.For(data.Metadata.EnvId);
            var config = d with
            {
                Steps = p.GetValue(steps) ?? d.Steps,
                LearningRate = p.GetValue(lr) ?? d.LearningRate,
                BatchSize = p.GetValue(batch) ?? d.BatchSize,
                Seed = p.GetValue(seed) ?? d.Seed,
                TrainRecoveryPolicy = !p.GetValue(noRecovery),
            };
            var clock = Stopwatch.StartNew();
            var rows = TaskRows.Select(data.Batch, null);
            var adapted = WithProgress($"adapt {stored.Card.Reference} -> {outName}",
                progress => new CriticAdaptation(config).Adapt(stored.Critic, stored.Card.GammaRisk, rows, progress: progress, ct: ct));
            var metrics = new Dictionary<string, double>(adapted.Metrics) { ["adapt_seconds"] = clock.Elapsed.TotalSeconds };
            var card = ModelCard.For(outName, "adapted", adapted.Critic, stored.Card.GammaRisk, stored.Card.EpsRisk, config.Seed, config, metrics,
                new ModelLineage(data.Lineage, stored.Card.Reference, CodeVersion.Current), adapted.Recovery is null ? null : config.RecoveryHidden);
            var published = await registry.PublishAsync(card, adapted.Critic, adapted.Recovery, ct);
            return Emit(p, new { model = published.Reference, baseModel = stored.Card.Reference, dataset = data.Lineage.ToString(), variant = p.GetValue(variant), steps = config.Steps, finalLoss = adapted.FinalLoss },
                console => console.WriteLine($"{published.Reference}: {stored.Card.Reference} adapted on {data.Lineage} variant {p.GetValue(variant)} for {config.Steps} steps, final loss {F(adapted.FinalLoss, "0.00000")}"));
        });
        return cmd;
    }
}
