using System.CommandLine;
using System.Globalization;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Export;
using OfflineSafety.Meta.Registry;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;
using static OfflineSafety.Pipeline.Cli.Output.CliOutput;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe models list | show NAME[@V] | check | export NAME[@V]`: the model registry.</summary>
public static class ModelsCommands
{
    public static Command Create()
    {
        var models = new Command("models", "List and inspect stored models: safety critics and SAFER skill priors.");
        models.Subcommands.Add(List());
        models.Subcommands.Add(Show());
        models.Subcommands.Add(Check());
        models.Subcommands.Add(Export());
        return models;
    }

    private static Command List()
    {
        var cmd = new Command("list", "Every model with its versions.");
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var listing = await new ModelRegistry(OpenStore(p)).ListAllAsync(ct);
            // A damaged card is named on stderr and skipped; the rest of the registry still lists.
            foreach (var bad in listing.Unreadable) Console.Error.WriteLine($"offsafe: warning: skipped {bad.Key}: {bad.Reason.ReplaceLineEndings(" ")}");
            var rows = new List<object>();
            var table = NewTable("model", "kind", "algorithm", "dataset", "base", "created");
            foreach (var card in listing.Cards)
            {
                rows.Add(new { model = card.Reference, name = card.Name, version = card.Version, kind = card.Kind, algorithm = card.Algorithm, dataset = card.Lineage.Dataset.ToString(), baseModel = card.Lineage.BaseModel, created = card.CreatedUtc });
                table.AddRow(Markup.Escape(card.Reference), Markup.Escape(card.Kind), Markup.Escape(card.Algorithm), Markup.Escape(card.Lineage.Dataset.ToString()),
                    Markup.Escape(card.Lineage.BaseModel ?? "-"), card.CreatedUtc.ToString("u", CultureInfo.InvariantCulture));
            }
            return Emit(p, new { models = rows }, console => console.Write(table));
        });
        return cmd;
    }

    private static Command Show()
    {
        var reference = new Argument<string>("MODEL") { Description = "NAME (latest version) or NAME@V." };
        var cmd = new Command("show", "A model's architecture, risk settings, metrics and lineage.") { reference };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var card = await new ModelRegistry(OpenStore(p)).ResolveAsync(ModelReference.Parse(p.GetValue(reference)!), ct);
            return Emit(p, CardJson(card), console =>
            {
                var table = NewTable("field", "value");
                void Row(string k, string v) => table.AddRow(Markup.Escape(k), Markup.Escape(v));
                Row("model", card.Reference);
                Row("algorithm", card.Algorithm);
                Row("kind", card.Kind);
                if (card.Prior is { } prior)
                {
                    Row("flow", $"a[{prior.ActionSize}] = f(z; s[{prior.StateSize}], c[{prior.ContextSize}]): {prior.Couplings} affine couplings, hidden {string.Join("x", prior.FlowHidden)}, |log-scale| <= {F(prior.LogScaleBound, "0.##")}");
                    Row("context posterior", prior.ContextSize == 0 ? "none" : $"{prior.Encoder.ToString().ToLowerInvariant()} over the last {prior.WindowLength} states, width {prior.EncoderWidth}");
                    Row("safety bound eta", $"{F(prior.SafetyBound, "0.####")} (calibrated for {F(prior.UnsafeBound * 100, "0.#")}% unsafe)");
                }
                if (card.Architecture is { } architecture)
                {
                    Row("architecture", $"{card.ObsDim}+{card.ActDim} -> {string.Join(" -> ", architecture.Hidden)} -> {architecture.Heads} sigmoid head(s)");
                    Row("gamma_risk / eps_risk", $"{F(card.GammaRisk, "0.###")} / {F(card.EpsRisk, "0.###")}");
                }
                Row("seed", card.Seed.ToString(CultureInfo.InvariantCulture));
                Row("dataset", $"{card.Lineage.Dataset} (table {card.Lineage.Dataset.TableId ?? "?"})");
                Row("variants", string.Join(", ", card.Lineage.Dataset.Variants));
                Row("base model", card.Lineage.BaseModel ?? "-");
                Row("code version", card.Lineage.CodeVersion);
                Row("created", card.CreatedUtc.ToString("u", CultureInfo.InvariantCulture));
                Row("components", string.Join(", ", card.Components));
                foreach (var (k, v) in card.Metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal)) Row($"metric {k}", F(v, "0.######"));
                Row("training config", card.TrainingConfig.GetRawText().ReplaceLineEndings(" "));
                console.Write(table);
            });
        });
        return cmd;
    }

    private static Command Check()
    {
        var cmd = new Command("check", "Check every model version: card readable, weights present and matching the architecture; list publishes that never committed.");
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var findings = await new RegistryCheck(new ModelRegistry(OpenStore(p))).RunAsync(ct);
            Emit(p, new { ok = findings.Count == 0, findings = findings.Select(f => new { key = f.Key, problem = f.Problem, visible = f.Visible }) }, console =>
            {
                if (findings.Count == 0) { console.WriteLine("models: no problems found"); return; }
                var table = NewTable("object", "problem", "visible");
                foreach (var f in findings) table.AddRow(Markup.Escape(f.Key), Markup.Escape(f.Problem), f.Visible ? "yes" : "no");
                console.Write(table);
            });
            if (findings.Count == 0) return 0;
            Console.Error.WriteLine($"offsafe: models check: {findings.Count} problem(s) found");
            return CommandAction.Failure;
        });
        return cmd;
    }

    private static Command Export()
    {
        var reference = new Argument<string>("MODEL") { Description = "NAME (latest version) or NAME@V." };
        var format = new Option<string>("--format")
        {
            Description = "onnx (the critic as an ONNX graph: obs, action -> q_risk per head and risk, normalisation inside; docs/onnx.md) or safetensors (the stored weights).",
            DefaultValueFactory = _ => "onnx",
        };
        var output = new Option<string>("--output") { Description = "File to write; replaced whole, never left half-written.", Required = true };
        var cmd = new Command("export", "Write a model to a file, as ONNX or as its safetensors weights.") { reference, format, output };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var chosen = ModelExport.ParseFormat(p.GetValue(format)!);
            string path = Path.GetFullPath(p.GetValue(output)!);
            string folder = Path.GetDirectoryName(path)!;
            if (!Directory.Exists(folder)) throw new BadInputException($"--output '{path}': folder '{folder}' does not exist");
            // Written beside the target and renamed over it, so a failure leaves the old file (or none), never part of a new one.
            string partial = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.partial");
            ModelCard card;
            long bytes;
            try
            {
                await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write))
                {
                    card = await new ModelExport(new ModelRegistry(OpenStore(p))).WriteAsync(ModelReference.Parse(p.GetValue(reference)!), chosen, file, ct);
                    bytes = file.Length;
                }
                File.Move(partial, path, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }
            string name = chosen.ToString().ToLowerInvariant();
            return EmitLine(p, new { model = card.Reference, format = name, output = path, bytes },
                $"{card.Reference} -> {path} ({name}, {bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes)");
        });
        return cmd;
    }
}
