using System.CommandLine;
using OfflineSafety.Meta.Evaluation;
using OfflineSafety.Meta.Registry;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;
using static OfflineSafety.Pipeline.Cli.Output.CliOutput;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe eval-critic`: held-out ROC-AUC, Brier score, calibration and Bellman residual of a stored critic.</summary>
public static class EvalCriticCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "NAME[@V]: the critic to evaluate.", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "NAME[@REF]: held-out data.", Required = true };
        var variant = new Option<string?>("--variant") { Description = "Evaluate on one variant only." };
        var horizon = new Option<int>("--horizon") { Description = "H: AUC label is 'a violation within the next H logged steps'.", DefaultValueFactory = _ => CriticEvaluation.DefaultHorizon };
        var cmd = new Command("eval-critic", "Score a stored critic on held-out logged data (AUC, Brier, calibration, Bellman residual).")
        {
            model, dataset, variant, horizon,
        };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var objects = OpenStore(p);
            var stored = await new ModelRegistry(objects).LoadAsync(ModelReference.Parse(p.GetValue(model)!), ct);
            var data = await LoadAsync(objects, p.GetValue(dataset)!, p.GetValue(variant), ct);
            var report = CriticEvaluation.Evaluate(stored.Critic, data.Batch, stored.Card.GammaRisk, p.GetValue(horizon), cancellationToken: ct);
            var json = new
            {
                model = stored.Card.Reference,
                dataset = data.Lineage.ToString(),
                variant = p.GetValue(variant),
                rows = report.Rows,
                positives = report.Positives,
                horizon = report.Horizon,
                gammaRisk = stored.Card.GammaRisk,
                auc = report.Auc,
                brier = report.Brier,
                bellmanResidual = report.BellmanResidual,
                calibration = report.Calibration,
            };
            return Emit(p, json, console =>
            {
                var summary = NewTable("model", "data", "rows", $"violation within {report.Horizon}", "AUC", "Brier", "Bellman residual");
                summary.AddRow(Markup.Escape(stored.Card.Reference), Markup.Escape(data.Lineage + (p.GetValue(variant) is { } v ? $" [{v}]" : "")),
                    report.Rows.ToString(System.Globalization.CultureInfo.InvariantCulture), report.Positives.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    F(report.Auc), F(report.Brier), F(report.BellmanResidual, "0.00000"));
                console.Write(summary);
                var calibration = NewTable("predicted", "rows", "mean predicted", "mean realised", "event rate");
                foreach (var bin in report.Calibration)
                    calibration.AddRow($"[{F(bin.Lower, "0.0")}, {F(bin.Upper, "0.0")})", bin.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        F(bin.MeanPredicted), F(bin.MeanRealised), F(bin.EventRate));
                console.Write(calibration);
            });
        });
        return cmd;
    }
}
